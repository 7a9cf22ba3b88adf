from django.urls import path

from desk_calendar import list_views, views

app_name = "desk_calendar"

urlpatterns = [
    path("", views.calendar_page, name="calendar"),
    path("events/", views.events, name="events"),
    path("move/", views.move, name="move"),
    path("book/", views.book, name="book"),
    path("slot/", views.slot_options, name="slot_options"),
    path("clients/", views.clients, name="clients"),
    path("list/", list_views.day_list, name="list"),
    path("list/move/", list_views.list_move, name="list_move"),
    path("list/book/", list_views.list_book, name="list_book"),
]
