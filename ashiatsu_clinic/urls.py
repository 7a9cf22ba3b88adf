"""Top-level URL map."""

from django.contrib import admin
from django.urls import include, path

from bookings.api import api
from twofactor import urls as twofactor_urls

# The database being away answers 503 "try again in a minute" (core.outage), not 500.
handler500 = "core.outage.server_error"

admin.site.site_header = "Ashiatsu Clinic"
admin.site.site_title = "Ashiatsu Clinic admin"
admin.site.index_title = "Run the clinic"

urlpatterns = [
    # Before the admin's own URLs, whose catch-all would otherwise answer for them.
    path("admin/reports/", include("reports.urls")),
    path("admin/two-factor/", include(twofactor_urls.reset_patterns)),
    path("admin/", admin.site.urls),
    path("api/", api.urls),
    path("two-factor/", include("twofactor.urls")),
    twofactor_urls.passkey_urls,
    # The language switcher on every public page posts here (Django's set_language).
    path("i18n/", include("django.conf.urls.i18n")),
    path("staff/calendar/", include("desk_calendar.urls")),
    path("therapist/chart/", include("charts.urls")),
    path("therapist/", include("portal.urls")),
    path("waitlist/", include("waitlist.urls")),
    path("", include("payments.urls")),
    path("", include("checkout.urls")),
    path("account/", include("accounts.urls")),
    path("", include("bookings.urls")),
]
