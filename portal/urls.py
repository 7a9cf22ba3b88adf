"""The therapist portal, mounted at /therapist/."""

from django.contrib.auth import views as auth_views
from django.urls import path, re_path

from portal import hours_views, views
from portal.forms import PortalLoginForm

app_name = "therapists"  # URL names unchanged since the portal left the therapists app

# Dates are YYYY-MM-DD; an impossible one (2026-02-30) passes the pattern and the view 404s.
DATE = r"(?P<day>[0-9]{4}-[0-9]{2}-[0-9]{2})"

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="therapists/login.html", authentication_form=PortalLoginForm
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(next_page="therapists:login"), name="logout"),
    path("", views.today, name="today"),
    re_path(rf"^day/{DATE}/$", views.day, name="day"),
    re_path(rf"^week/{DATE}/$", views.week, name="week"),
    path("appointments/<str:reference>/", views.appointment, name="appointment"),
    path(
        "appointments/<str:reference>/status/",
        views.appointment_status,
        name="appointment_status",
    ),
    path("appointments/<str:reference>/notes/", views.appointment_note, name="appointment_note"),
    path("hours/", hours_views.hours, name="hours"),
    path("hours/new/", hours_views.hours_new, name="hours_new"),
    path("hours/time-off/", hours_views.time_off_new, name="time_off_new"),
    path("hours/<int:pk>/withdraw/", hours_views.change_cancel, name="change_withdraw"),
    path("hours/calendar/", hours_views.own_calendar, name="own_calendar"),
    path(
        "hours/calendar/disconnect/",
        hours_views.own_calendar_disconnect,
        name="own_calendar_disconnect",
    ),
    path("calendar/", views.calendar, name="calendar"),
    path("calendar/reset/", views.calendar_reset, name="calendar_reset"),
    path("calendar/revoke/", views.calendar_revoke, name="calendar_revoke"),
    re_path(
        r"^calendar/(?P<token>[A-Za-z0-9_-]{20,100})\.ics$",
        views.calendar_feed,
        name="calendar_feed",
    ),
]
