"""The desk's two actions, shared by the calendar's JSON endpoints and the list view: move a
session (to another time, therapist or room) and book an empty slot for a client.

Both go through the booking services and nothing else: `booking_reschedule` decides a move
(credential on the date, room style, buffer, caps, weekly load, intake screening) and sends
the client's "moved" e-mail, `booking_create` decides a booking. What this module adds is
reading the desk's request: which session, which column, which client.
"""

import datetime as dt
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.db.models import Q
from django.utils import timezone

from bookings import availability
from bookings.booking_changes import booking_reschedule
from bookings.models import Appointment, Room, Service
from bookings.schedules import clinic_rules, load_window, service_spec
from bookings.services import BookingResult, ClientDetails, booking_create
from clients.models import Client
from desk_calendar.feed import FeedError, parse_local
from health import intake_currency
from therapists.models import Therapist


@dataclass(frozen=True)
class Column:
    """Where a session was dropped: a therapist's column or a room's."""

    therapist: Therapist | None = None
    room: Room | None = None


def _id(value: object, what: str) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, str)):
        raise FeedError(f"Choose a {what}.")
    try:
        number = int(value)
    except ValueError:
        raise FeedError(f"Choose a {what}.") from None
    if not 0 < number < 2**31:
        raise FeedError(f"Choose a {what}.")
    return number


def column(resource: object) -> Column:
    """A calendar column id ("t12": therapist 12, "r3": room 3); empty: no change."""
    if resource in (None, ""):
        return Column()
    if not isinstance(resource, str) or resource[:1] not in ("t", "r"):
        raise FeedError("Drop the session on a therapist's or a room's column.")
    pk = _id(resource[1:], "column")
    if resource[0] == "t":
        therapist = Therapist.objects.filter(pk=pk).first()
        if therapist is None:
            raise FeedError("This therapist does not exist.")
        return Column(therapist=therapist)
    room = Room.objects.filter(pk=pk).first()
    if room is None:
        raise FeedError("This room does not exist.")
    return Column(room=room)


def session(appointment_id: object) -> Appointment:
    found = Appointment.objects.filter(pk=_id(appointment_id, "session")).first()
    if found is None:
        raise FeedError("This session does not exist.")
    return found


def move(*, user, appointment_id: object, start: object, resource: object, tz: ZoneInfo):
    """Move a session as the desk dragged it; BookingError (the service's own reason) when
    the move cannot be had, FeedError when the request itself is wrong."""
    appointment = session(appointment_id)
    moment = parse_local(start, tz)
    target = resource if isinstance(resource, Column) else column(resource)
    return booking_reschedule(
        appointment=appointment,
        start=moment,
        therapist=target.therapist,
        room=target.room,
        actor=user,
    )


def services_accepted(*, therapist: Therapist, start: dt.datetime) -> list[Service]:
    """The active services the booking service would accept for `therapist` at `start`, as
    staff book (no minimum notice): the same loader and check `booking_create` runs."""
    rules = clinic_rules(min_notice=dt.timedelta(0))
    if not therapist.active:
        return []
    window = load_window(
        first_day=start.astimezone(rules.tz).date(), days=1, therapists=[therapist], tz=rules.tz
    )
    if not window.therapists:
        return []
    schedule = window.therapists[0]
    now = timezone.now()
    accepted = []
    for service in (
        Service.objects.filter(active=True)
        .select_related("style")
        .order_by("style__name", "duration_minutes")
    ):
        reason, _room = availability.check_slot(
            service=service_spec(service),
            therapist=schedule,
            rooms=window.rooms,
            closed_days=window.closed_days,
            start=start,
            now=now,
            rules=rules,
        )
        if reason is None:
            accepted.append(service)
    return accepted


def _latest_intake(client: Client):
    latest = client.appointments.select_related("intake").order_by("-created_at").first()
    return latest.intake if latest is not None else None


def bookable_clients(query: str, *, limit: int = 10) -> list[Client]:
    """Client records matching a name or e-mail whose last health answers may still be used
    (answered this year, under today's questionnaire): the desk books them from the
    calendar. Others need the full booking form, which asks the questions again."""
    query = query.strip()
    if len(query) < 2:
        return []
    rows = Client.objects.filter(
        Q(name__icontains=query) | Q(email__iexact=query), merged_into__isnull=True
    ).order_by("name", "pk")[: limit * 3]
    found = []
    for client in rows:
        if intake_currency.intake_currency(_latest_intake(client)).is_current:
            found.append(client)
        if len(found) == limit:
            break
    return found


def book(
    *, user, client_id: object, service_id: object, resource: object, start: object, tz: ZoneInfo
) -> BookingResult:
    """Book an empty slot for a client the desk chose, with the client's last health
    answers (current ones only: see `bookable_clients`), through `booking_create`."""
    client = Client.objects.filter(pk=_id(client_id, "client"), merged_into__isnull=True).first()
    if client is None:
        raise FeedError("Choose a client.")
    intake = _latest_intake(client)
    if not intake_currency.intake_currency(intake).is_current:
        raise FeedError(
            "This client must answer the health questions again: use the full booking form."
        )
    service = Service.objects.filter(pk=_id(service_id, "service")).select_related("style").first()
    if service is None:
        raise FeedError("Choose a service.")
    target = column(resource)
    if target.therapist is None:
        raise FeedError("Choose a therapist's column.")
    return booking_create(
        service=service,
        therapist=target.therapist,
        start=parse_local(start, tz),
        client=ClientDetails(name=client.name, email=client.email, phone=client.phone),
        answers=intake.answers,
        questionnaire_version=intake.questionnaire_version,
        actor=user,
        record=client,
    )
