"""iCalendar (.ics) files for a booking, so it lands in the client's own calendar.

Times are written in UTC (`therapists.clinic_time.ics_utc`): every calendar converts them
exactly, also on the autumn night when a local wall time happens twice. The UID is stable per booking and SEQUENCE grows with each move, so
calendars update the event instead of adding a second one.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone
from icalendar import Calendar, Event

from bookings.models import Appointment, AppointmentEvent
from therapists.clinic_time import ics_utc

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
    event.add("dtstart", ics_utc(appointment.start))
    event.add("dtend", ics_utc(appointment.end))
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
    return calendar.to_ical()
