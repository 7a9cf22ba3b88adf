"""The clinic's forms, mounted at /forms/."""

from django.urls import path

from clinic_forms import views

app_name = "clinic_forms"

urlpatterns = [
    path("book/<slug:service>/<slug:therapist>/<int:version>/", views.book, name="book"),
    path("visit/<str:token>/", views.visit, name="visit"),
    path("signed/<int:pk>/pdf/", views.signed_pdf, name="signed_pdf"),
]
