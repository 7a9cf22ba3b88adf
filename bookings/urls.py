from django.urls import path

from bookings import booking_views, clearance_views, manage_views, reconfirm_views, views

app_name = "bookings"

urlpatterns = [
    path("", views.home, name="home"),
    path("accessibility/", views.accessibility, name="accessibility"),
    path("therapists/", views.therapist_list, name="therapists"),
    path("therapists/<slug:slug>/", views.therapist_detail, name="therapist"),
    path("book/", views.choose_service, name="book"),
    path("book/declined/", booking_views.declined, name="declined"),
    path("book/<slug:service>/", views.choose_therapist, name="choose_therapist"),
    path("book/<slug:service>/<slug:therapist>/", views.choose_slot, name="choose_slot"),
    path("book/<slug:service>/<slug:therapist>/intake/", booking_views.intake, name="intake"),
    path("book/<slug:service>/<slug:therapist>/contact/", booking_views.contact, name="contact"),
    path("book/<slug:service>/<slug:therapist>/review/", booking_views.review, name="review"),
    path("reconfirm/<str:token>/", reconfirm_views.reconfirm, name="reconfirm"),
    path(
        "reconfirm/<str:token>/change/",
        reconfirm_views.reconfirm_change,
        name="reconfirm_change",
    ),
    path("manage/<str:reference>/<str:token>/", manage_views.manage, name="manage"),
    path(
        "manage/<str:reference>/<str:token>/calendar.ics",
        manage_views.manage_ics,
        name="manage_ics",
    ),
    path(
        "manage/<str:reference>/<str:token>/cancel/",
        manage_views.manage_cancel,
        name="manage_cancel",
    ),
    path(
        "manage/<str:reference>/<str:token>/reschedule/",
        manage_views.manage_reschedule,
        name="manage_reschedule",
    ),
    path("clearances/<int:pk>/letter/", clearance_views.letter, name="clearance_letter"),
]
