"""iCalendar (.ics) files for a booking, so it lands in the client's own calendar.

Times carry the clinic's time zone (with its VTIMEZONE), so a phone in another zone still
shows the right moment. The UID is stable per booking and SEQUENCE grows with each move, so
calendars update the event instead of adding a second one.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from bookings.models import Appointment, AppointmentEvent

PRODID = "-//Ashiatsu Clinic//Bookings//EN"


def appointment_uid(appointment: Appointment) -> str:
    return f"{appointment.reference}@ashiatsu-clinic"


def appointment_calendar(
    appointment: Appointment, *, manage_url: str = "", cancelled: bool = False
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "PUBLISH")
    event = Event()
    event.add("uid", appointment_uid(appointment))
    event.add("dtstamp", timezone.now().astimezone(dt.UTC))
    event.add("dtstart", timezone.localtime(appointment.start))
    event.add("dtend", timezone.localtime(appointment.end))
    event.add("summary", f"{appointment.service.name} with {appointment.therapist.display_name}")
    event.add("location", f"{settings.CLINIC_NAME}, {settings.CLINIC_ADDRESS}")
    description = f"Booking reference {appointment.reference}."
    if manage_url:
        description += f" View, move or cancel: {manage_url}"
    event.add("description", description)
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    event.add(
        "sequence",
        appointment.events.filter(
            kind__in=[AppointmentEvent.Kind.RESCHEDULED, AppointmentEvent.Kind.CANCELLED]
        ).count(),
    )
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()
