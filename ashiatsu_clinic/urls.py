"""Top-level URL map."""

from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "Ashiatsu Clinic"
admin.site.site_title = "Ashiatsu Clinic admin"
admin.site.index_title = "Run the clinic"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("", include("bookings.urls")),
]
