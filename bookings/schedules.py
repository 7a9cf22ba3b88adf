"""Load what availability needs for a window, in a fixed number of queries.

Deciding is `bookings.availability` (pure); this module only gathers plain values for it:
therapists with their working hours, verified credentials and time off, every appointment
and hold (open waitlist offers, asked through `bookings.occupancy`) that occupies the
window (for therapists *and* rooms), rooms with their styles, and closed days. Seven
queries whatever the number of therapists, days or appointments; the hot path
runs in FETCH_RAISE mode so an accidental lazy load fails loudly instead of adding queries.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db.models import FETCH_RAISE, Prefetch, Q
from django.utils import timezone

from bookings import availability, occupancy
from bookings.models import Appointment, ClosedDay, Room, Service
from therapists.models import Credential, Therapist, TimeOff


def clinic_rules(*, min_notice: dt.timedelta | None = None) -> availability.Rules:
    """The scheduling rules of the spec, as configured in settings."""
    return availability.Rules(
        tz=ZoneInfo(settings.CLINIC_TIME_ZONE),
        grid=dt.timedelta(minutes=settings.BOOKING_SLOT_GRID_MINUTES),
        min_notice=(
            dt.timedelta(minutes=settings.BOOKING_MIN_NOTICE_MINUTES)
            if min_notice is None
            else min_notice
        ),
        horizon=dt.timedelta(days=settings.BOOKING_HORIZON_DAYS),
    )


def last_bookable_day(today: dt.date) -> dt.date:
    """The furthest local date a client may book (or wait for): `BOOKING_HORIZON_DAYS` on."""
    return today + dt.timedelta(days=settings.BOOKING_HORIZON_DAYS)


def service_spec(service: Service) -> availability.ServiceSpec:
    return availability.ServiceSpec(
        style=service.style.slug,
        required_credential=service.style.required_credential,
        duration=service.duration,
    )


@dataclass(frozen=True)
class Window:
    """Everything `availability.free_slots` needs besides the service, `now` and the rules."""

    therapists: list[availability.TherapistSchedule]
    rooms: list[availability.RoomSchedule]
    closed_days: frozenset[dt.date]
    first_day: dt.date
    days: int


def load_window(
    *,
    first_day: dt.date,
    days: int,
    therapists: Iterable[Therapist] | None = None,
    tz: ZoneInfo,
    ignore_appointment_id: int | None = None,
    ignore_hold: occupancy.Hold | None = None,
) -> Window:
    """Gather the schedules of local dates first_day .. first_day + days - 1.

    `therapists` limits whose schedules are built (all active ones by default); room
    occupancy always counts every appointment. `ignore_appointment_id` leaves one
    appointment out, so an appointment being moved does not block its own new time.

    A hold (an open waitlist offer, through `bookings.occupancy`) occupies its slot like an
    appointment (therapist, room and daily cap) until it expires; `ignore_hold` lets the
    hold's own client book it.
    """
    window_start = dt.datetime.combine(first_day, dt.time(), tz)
    window_end = dt.datetime.combine(first_day + dt.timedelta(days=days), dt.time(), tz)
    # An appointment begun before midnight can still occupy the first morning.
    margin = dt.timedelta(hours=12)

    queryset = Therapist.objects.filter(active=True)
    if therapists is not None:
        queryset = queryset.filter(pk__in=[t.pk for t in therapists])
    team = list(
        queryset.fetch_mode(FETCH_RAISE)
        .only("id", "slug", "daily_session_cap", "buffer_minutes")
        .prefetch_related(
            "working_hours",
            Prefetch(
                "credentials",
                queryset=Credential.objects.verified()
                .filter(Q(expires_on__isnull=True) | Q(expires_on__gte=first_day))
                .only("therapist_id", "kind", "issued_on", "expires_on"),
            ),
            Prefetch(
                "time_off",
                queryset=TimeOff.objects.filter(start__lt=window_end, end__gt=window_start).only(
                    "therapist_id", "start", "end"
                ),
            ),
        )
        .order_by("slug")
    )
    occupied = Appointment.objects.active().filter(
        start__lt=window_end + margin, occupied_until__gt=window_start - margin
    )
    if ignore_appointment_id is not None:
        occupied = occupied.exclude(pk=ignore_appointment_id)
    held = occupancy.hold_querysets(
        start=window_start - margin, end=window_end + margin, now=timezone.now(), ignore=ignore_hold
    )
    columns = occupancy.COLUMNS
    busy_by_therapist: dict[int, list[availability.Interval]] = defaultdict(list)
    busy_by_room: dict[int, list[availability.Interval]] = defaultdict(list)
    sessions: dict[int, dict[dt.date, int]] = defaultdict(lambda: defaultdict(int))
    # One query for both (UNION ALL), so the loader's query count stays fixed.
    for therapist_id, room_id, start, occupied_until in (
        occupied.order_by().values_list(*columns).union(*held, all=True)
    ):
        interval = availability.Interval(start, occupied_until)
        busy_by_therapist[therapist_id].append(interval)
        busy_by_room[room_id].append(interval)
        sessions[therapist_id][start.astimezone(tz).date()] += 1

    room_styles: dict[int, set[str]] = defaultdict(set)
    for room_id, style_slug in Room.objects.filter(active=True).values_list("id", "styles__slug"):
        if style_slug:
            room_styles[room_id].add(style_slug)
    closed = frozenset(
        ClosedDay.objects.filter(
            date__gte=first_day, date__lt=first_day + dt.timedelta(days=days)
        ).values_list("date", flat=True)
    )
    return Window(
        therapists=[_therapist_schedule(t, busy_by_therapist[t.id], sessions[t.id]) for t in team],
        rooms=[
            availability.RoomSchedule(
                id=room_id, styles=frozenset(styles), busy=busy_by_room[room_id]
            )
            for room_id, styles in sorted(room_styles.items())
        ],
        closed_days=closed,
        first_day=first_day,
        days=days,
    )


def _therapist_schedule(
    therapist: Therapist, busy: list[availability.Interval], sessions: dict[dt.date, int]
) -> availability.TherapistSchedule:
    weekly: dict[int, list[tuple[dt.time, dt.time]]] = defaultdict(list)
    for hours in therapist.working_hours.all():
        weekly[hours.weekday].append((hours.start, hours.end))
    return availability.TherapistSchedule(
        id=therapist.id,
        slug=therapist.slug,
        weekly_hours=dict(weekly),
        time_off=[availability.Interval(t.start, t.end) for t in therapist.time_off.all()],
        busy=busy,
        sessions_per_day=dict(sessions),
        credentials=[
            availability.CredentialSpan(c.kind, c.issued_on, c.expires_on)
            for c in therapist.credentials.all()
        ],
        daily_cap=therapist.daily_session_cap,
        buffer=dt.timedelta(minutes=therapist.buffer_minutes),
    )


def available_slots(
    *,
    service: Service,
    therapist: Therapist | None,
    first_day: dt.date,
    days: int,
    now: dt.datetime,
) -> list[availability.Slot]:
    """Free slots for a service, one therapist or any (one slot per start, load spread).

    The one entry point the booking pages and the API use to offer times.
    """
    rules = clinic_rules()
    window = load_window(
        first_day=first_day,
        days=days,
        therapists=None if therapist is None else [therapist],
        tz=rules.tz,
    )
    slots = availability.free_slots(
        service=service_spec(service),
        therapists=window.therapists,
        rooms=window.rooms,
        closed_days=window.closed_days,
        first_day=first_day,
        days=days,
        now=now,
        rules=rules,
    )
    if therapist is None:
        slots = availability.pick_for_any(
            slots,
            sessions_per_day={s.id: s.sessions_per_day for s in window.therapists},
            tz=rules.tz,
        )
    return slots
