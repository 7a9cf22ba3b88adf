from django.apps import AppConfig


class DeskCalendarConfig(AppConfig):
    """The front desk's calendar (/staff/calendar/): a column per therapist or per room, a
    session dragged to move it, an empty slot clicked to book it, and a list view with the
    same actions. Pages and JSON over the booking services; no models of its own."""

    name = "desk_calendar"
    verbose_name = "Desk calendar"
