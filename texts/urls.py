from django.urls import path

from texts import views

app_name = "texts"
urlpatterns = [
    path("texts/twilio/inbound/", views.inbound, name="inbound"),
    path("texts/twilio/status/", views.status, name="status"),
    path("m/<str:code>", views.short, name="short"),
]
