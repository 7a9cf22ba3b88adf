"""A therapist's private calendar feed (.ics), so their phone calendar shows the day.

The feed leaves the clinic: a phone calendar syncs it to a cloud service. So it carries the
least that makes the day readable: the service, the client's first name and initial, the room
and the booking reference. No intake answers, outcome or flags, no phone number, no e-mail.

Only a hash of the feed token is stored (`Therapist.new_calendar_token`). Looking the therapist
up by the hash of the presented token is safe: the token is 256 random bits, so the lookup's
timing tells an attacker nothing useful; the constant-time comparison then confirms it.
"""

import datetime as dt

from django.conf import settings
from django.urls import reverse
from icalendar import Calendar, Event

from bookings.models import Appointment, AppointmentStatus
from core import tokens
from therapists.clinic_time import ics_utc
from therapists.models import Therapist

PRODID = "-//Ashiatsu Clinic//Therapist calendar//EN"
DAYS_BACK = 30
DAYS_AHEAD = 60


def therapist_for_token(token: str) -> Therapist | None:
    therapist = Therapist.objects.filter(
        calendar_token_hash=tokens.token_hash(token), active=True
    ).first()
    if therapist is None or not therapist.calendar_token_matches(token):
        return None
    return therapist


def feed_appointments(therapist: Therapist, now: dt.datetime) -> list[Appointment]:
    """The therapist's sessions that hold their time, 30 days back to 60 days ahead."""
    return list(
        Appointment.objects.active()
        .for_therapist(therapist)
        .filter(
            start__gte=now - dt.timedelta(days=DAYS_BACK),
            start__lt=now + dt.timedelta(days=DAYS_AHEAD),
        )
        .select_related("client", "service", "room")
        .order_by("start")
    )


def short_name(full_name: str) -> str:
    """'Ada Lovelace' -> 'Ada L.': enough to recognise a client, little to identify one."""
    parts = full_name.split()
    if not parts:
        return "Client"
    if len(parts) == 1:
        return parts[0]
    return f"{parts[0]} {parts[-1][0]}."


def therapist_calendar(
    therapist: Therapist, appointments: list[Appointment], *, now: dt.datetime
) -> bytes:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", f"{settings.CLINIC_NAME}: {therapist.display_name}")
    calendar.add("x-wr-timezone", settings.CLINIC_TIME_ZONE)
    # Ask calendar apps to poll hourly, so a booking made this morning shows up today.
    calendar.add("refresh-interval", dt.timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    stamp = now.astimezone(dt.UTC)
    for appointment in appointments:
        event = Event()
        # Not the client's UID: a therapist who is also sent a client's .ics keeps both.
        event.add("uid", f"{appointment.reference}.therapist@ashiatsu-clinic")
        event.add("dtstamp", stamp)
        event.add("last-modified", appointment.updated_at.astimezone(dt.UTC))
        # UTC, not local TZID times: on the autumn night a local 01:30 happens twice.
        event.add("dtstart", ics_utc(appointment.start))
        event.add("dtend", ics_utc(appointment.end))
        event.add(
            "summary",
            f"{appointment.service.name} — {short_name(appointment.client.name)} "
            f"({appointment.room.name})",
        )
        event.add("location", f"{appointment.room.name}, {settings.CLINIC_NAME}")
        path = reverse("therapists:appointment", args=[appointment.reference])
        event.add(
            "description",
            f"Booking {appointment.reference} ({appointment.get_status_display().lower()}). "
            f"Details in the therapist portal: {settings.SITE_URL}{path}",
        )
        event.add(
            "status",
            "TENTATIVE" if appointment.status == AppointmentStatus.PENDING_REVIEW else "CONFIRMED",
        )
        calendar.add_component(event)
    return calendar.to_ical()
