"""Therapists' own calendars both ways: connecting one, and each sync.

A sync reads the therapist's events from a day back to the booking horizon and stores their
busy times (`therapists.ExternalBusy`, times only), which block availability like time off;
the table's triggers replace the schedule tokens, so cached answers follow at once. A
confirmed session that a *new* private event clashes with is flagged to the desk by e-mail,
never cancelled. The same sync writes the therapist's sessions into the calendar (the
client's initials only, no health data) and updates or removes them after a move or a
cancellation: it compares what is there with what should be, so a missed sync only delays.

A calendar that stops answering keeps its last busy times and is retried every sync; after a
day of failures the therapist and the desk are told once (until it answers again).
"""

import datetime as dt
import logging

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import EmailMessage
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from caldav_sync import client
from core.clock import clinic_tz
from outbox.dead_letters import alert_recipients
from outbox.services import email_queue
from therapists.models import CalendarConnection, ExternalBusy, Therapist

logger = logging.getLogger(__name__)
PAST = dt.timedelta(days=1)
TOLD_AFTER = dt.timedelta(days=1)


def every() -> dt.timedelta:
    return dt.timedelta(minutes=settings.THERAPIST_CALENDAR_SYNC_MINUTES)


def _reach(now: dt.datetime) -> tuple[dt.datetime, dt.datetime]:
    return now - PAST, now + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS + 1)


def check_address(url: str) -> None:
    """An https address (plain http only where settings allow it: a local test server)."""
    allowed = ("https://", "http://") if settings.THERAPIST_CALENDAR_ALLOW_HTTP else ("https://",)
    if not url.lower().startswith(allowed):
        raise ValidationError("The calendar address must start with https://.")


def calendar_connect(
    *, therapist: Therapist, url: str, username: str, password: str
) -> CalendarConnection:
    """Connect (or reconnect) the therapist's calendar; a bad address or password raises
    `client.CalendarError` saying which, and nothing is stored."""
    check_address(url)
    client.open_calendar(url, username, password)
    connection, _ = CalendarConnection.objects.update_or_create(
        therapist=therapist,
        defaults={
            "url": url,
            "username": username,
            "password": password,
            "connected_at": timezone.now(),
            "next_sync_at": timezone.now(),
            "failing_since": None,
            "last_error": "",
            "alerted_at": None,
        },
    )
    return connection


@transaction.atomic
def calendar_disconnect(*, therapist: Therapist) -> None:
    """Forget the calendar and its busy times (the sessions already written stay there)."""
    CalendarConnection.objects.filter(therapist=therapist).delete()
    ExternalBusy.objects.filter(therapist=therapist).delete()


def initials(name: str) -> str:
    """ "Ana María López" -> "A.M.L.": all a therapist's own calendar learns of a client."""
    return "".join(f"{part[0].upper()}." for part in name.split() if part[:1].isalpha())


def session_uid(appointment_id: int) -> str:
    return f"{client.UID_PREFIX}{appointment_id}"


def _sessions(therapist_id: int, start: dt.datetime, end: dt.datetime) -> dict[str, tuple]:
    rows = (
        Appointment.objects.active()
        .filter(therapist_id=therapist_id, start__lt=end, end__gt=start)
        .values_list("pk", "start", "end", "client__name", "service__name")
    )
    return {
        session_uid(pk): (begins, ends, f"{service}: {initials(name)}")
        for pk, begins, ends, name, service in rows
    }


def _store_busy(
    connection: CalendarConnection, busy: set[tuple[dt.datetime, dt.datetime]], now: dt.datetime
) -> set[tuple[dt.datetime, dt.datetime]]:
    """Replace the stored busy times when they changed; return the new ones."""
    therapist_id = connection.therapist_id
    stored = set(ExternalBusy.objects.filter(therapist_id=therapist_id).values_list("start", "end"))
    if stored == busy:
        return set()
    with transaction.atomic():
        ExternalBusy.objects.filter(therapist_id=therapist_id).delete()
        ExternalBusy.objects.bulk_create(
            ExternalBusy(therapist_id=therapist_id, start=a, end=b, seen_at=now)
            for a, b in sorted(busy)
        )
    return busy - stored


def _flag_clashes(connection: CalendarConnection, new: set, now: dt.datetime) -> int:
    """E-mail the desk about confirmed future sessions that new private events overlap
    (one query however many events are new)."""
    if not new:
        return 0
    overlaps = Q()
    for start, end in new:
        overlaps |= Q(start__lt=end, occupied_until__gt=start)
    clashes = list(
        Appointment.objects.filter(
            overlaps,
            therapist_id=connection.therapist_id,
            status=AppointmentStatus.CONFIRMED,
            start__gte=now,
        )
        .order_by("start")
        .values_list("pk", flat=True)
    )
    if clashes:
        email_queue(
            kind="calendar_clash",
            builder=clash_email,
            params={"therapist": connection.therapist_id, "appointments": clashes},
        )
    return len(clashes)


def _push(calendar, connection: CalendarConnection, ours: dict, start, end) -> None:
    wanted = _sessions(connection.therapist_id, start, end)
    for uid, (begins, ends, summary) in wanted.items():
        if ours.get(uid) != (begins, ends, summary):
            client.event_put(calendar, uid=uid, start=begins, end=ends, summary=summary)
    for uid in set(ours) - set(wanted):
        client.event_remove(calendar, uid)


def calendar_sync(connection: CalendarConnection, *, now: dt.datetime | None = None) -> bool:
    """One sync both ways; False (and the failure recorded) when the calendar failed."""
    now = now or timezone.now()
    start, end = _reach(now)
    try:
        calendar = client.open_calendar(connection.url, connection.username, connection.password)
        events = client.events_between(calendar, start, end, clinic_tz())
        ours = {
            e.uid: (e.start, e.end, e.summary)
            for e in events
            if e.uid.startswith(client.UID_PREFIX)
        }
        busy = {
            (e.start, e.end)
            for e in events
            if e.busy and not e.uid.startswith(client.UID_PREFIX) and e.end > start
        }
        _flag_clashes(connection, _store_busy(connection, busy, now), now)
        _push(calendar, connection, ours, start, end)
    except client.CalendarError as problem:
        _failed(connection, str(problem), now)
        return False
    CalendarConnection.objects.filter(pk=connection.pk).update(
        last_synced_at=now,
        next_sync_at=now + every(),
        failing_since=None,
        last_error="",
        alerted_at=None,
    )
    return True


def _failed(connection: CalendarConnection, problem: str, now: dt.datetime) -> None:
    since = connection.failing_since or now
    tell = now - since >= TOLD_AFTER and connection.alerted_at is None
    logger.warning("Therapist calendar %s failed: %s", connection.pk, problem)
    with transaction.atomic():
        CalendarConnection.objects.filter(pk=connection.pk).update(
            failing_since=since,
            last_error=problem[:300],
            next_sync_at=now + every(),
            alerted_at=now if tell else connection.alerted_at,
        )
        if tell:
            email_queue(
                kind="calendar_failing",
                builder=failing_email,
                params={"therapist": connection.therapist_id},
            )


def _staff_message(therapist: Therapist, subject: str, lines: list[str]) -> EmailMessage:
    to = alert_recipients()
    if therapist.user and therapist.user.email:
        to = sorted({*to, therapist.user.email})
    return EmailMessage(
        subject=f"{settings.CLINIC_NAME}: {subject}", body="\n".join(lines) + "\n", to=to
    )


def failing_email(params: dict, *, secret: str = "") -> EmailMessage:
    connection = CalendarConnection.objects.select_related("therapist__user").get(
        therapist_id=params["therapist"]
    )
    therapist = connection.therapist
    return _staff_message(
        therapist,
        f"{therapist.display_name}'s calendar has not answered for a day",
        [
            f"The calendar {therapist.display_name} connected has not answered since "
            f"{timezone.localtime(connection.failing_since, clinic_tz()):%d %b %Y %H:%M}.",
            f"Last error: {connection.last_error}",
            "",
            "Private busy times from that calendar are not up to date, and new sessions are "
            "not written into it. The clinic keeps trying every few minutes. Reconnect it "
            "in the therapist portal:",
            settings.SITE_URL + reverse("therapists:own_calendar"),
        ],
    )


def clash_email(params: dict, *, secret: str = "") -> EmailMessage:
    therapist = Therapist.objects.select_related("user").get(pk=params["therapist"])
    sessions = Appointment.objects.filter(pk__in=params["appointments"]).order_by("start")
    tz = clinic_tz()
    return _staff_message(
        therapist,
        f"a private event clashes with {therapist.display_name}'s session(s)",
        [
            f"{therapist.display_name}'s own calendar now shows them busy during these "
            "confirmed sessions. Nothing was cancelled: please check with them and move "
            "the session if needed.",
            "",
            *(
                f"  {a.reference} {a.start.astimezone(tz):%a %d %b %Y %H:%M} "
                f"{settings.SITE_URL}/admin/bookings/appointment/{a.pk}/change/"
                for a in sessions
            ),
        ],
    )
