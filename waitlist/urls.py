"""Waitlist pages, mounted at /waitlist/."""

from django.urls import path, re_path

from waitlist import views

app_name = "waitlist"

urlpatterns = [
    path("", views.join, name="join"),
    path("thanks/", views.joined, name="joined"),
    re_path(
        r"^confirm/(?P<pk>[0-9]{1,18})/(?P<token>[A-Za-z0-9_-]{20,100})/$",
        views.confirm,
        name="confirm",
    ),
    re_path(
        r"^offer/(?P<pk>[0-9]{1,18})/(?P<token>[A-Za-z0-9_-]{20,100})/$", views.offer, name="offer"
    ),
]
