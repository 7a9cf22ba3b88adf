"""A clinic that grows: the data of `make bench`'s growth scenario, written in bulk.

`grow_to(n)` adds therapists (all qualified for both styles, working 07:00-22:00 every day),
rooms (one per five therapists: 40 % bar rooms, 40 % mat rooms, 20 % rooms with both) and
appointments, two a day per therapist over the last 65 and the next 60 days (250 each, so
200 therapists hold 50,000). Sessions sit in twelve 75-minute blocks a day; at each block
every therapist has at most one, and each session takes the first free room equipped for
its style (as a booking does), so bookings fill the rooms in order and the last ones keep
room to spare: rooms do not bind. It is called with 20, then 100, then 200 therapists, so
each step adds to what the previous one measured.
"""

import datetime as dt
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Room, Service, Style
from clients.models import Client
from health import screening
from health.models import Intake
from therapists.models import Credential, CredentialKind, Therapist, WorkingHours

HISTORY_DAYS = 65
AHEAD_DAYS = 60
SESSIONS_PER_THERAPIST_DAY = 2
BLOCKS = 12
BLOCK = dt.timedelta(minutes=75)  # a 60-minute session plus the 15-minute buffer
FIRST_BLOCK = dt.time(7)


def _styles() -> tuple[Style, Style]:
    bar, _ = Style.objects.get_or_create(
        slug=Style.BAR,
        defaults={"name": "Bar", "required_credential": CredentialKind.BAR_CERTIFICATION},
    )
    floor, _ = Style.objects.get_or_create(
        slug=Style.FLOOR,
        defaults={"name": "Floor", "required_credential": CredentialKind.FLOOR_CERTIFICATION},
    )
    return bar, floor


def services() -> dict[str, Service]:
    bar, floor = _styles()
    return {
        style.slug: Service.objects.get_or_create(
            slug=f"{style.slug}-60",
            defaults={
                "name": f"{style.slug} 60",
                "style": style,
                "duration_minutes": 60,
                "price": Decimal("100.00"),
            },
        )[0]
        for style in (bar, floor)
    }


@transaction.atomic
def grow_to(therapists: int) -> None:
    bar, floor = _styles()
    offered = services()
    have = Therapist.objects.count()
    today = timezone.localdate()
    new = Therapist.objects.bulk_create(
        Therapist(slug=f"growth-{n:03d}", display_name=f"Therapist {n:03d}", daily_session_cap=5)
        for n in range(have, therapists)
    )
    WorkingHours.objects.bulk_create(
        WorkingHours(therapist=t, weekday=day, start=FIRST_BLOCK, end=dt.time(22))
        for t in new
        for day in range(7)
    )
    Credential.objects.bulk_create(
        Credential(
            therapist=t,
            kind=kind,
            issuer="Bench",
            number=f"{kind[:3]}-{t.pk}",
            issued_on=today - dt.timedelta(days=1000),
            expires_on=None,
            verified_at=timezone.now(),
        )
        for t in new
        for kind in (
            CredentialKind.MASSAGE_LICENCE,
            CredentialKind.BAR_CERTIFICATION,
            CredentialKind.FLOOR_CERTIFICATION,
        )
    )
    room_count = therapists // 5
    existing = Room.objects.count()
    for n in range(existing, room_count):
        kind = n % 5  # 0, 1: bar; 2, 3: mat; 4: both
        room = Room.objects.create(slug=f"growth-room-{n:02d}", name=f"Room {n:02d}")
        room.styles.set([bar] if kind < 2 else [floor] if kind < 4 else [bar, floor])
    _book(list(new), list(Room.objects.order_by("pk").prefetch_related("styles")), offered)


def _book(team: list[Therapist], rooms: list[Room], offered: dict[str, Service]) -> None:
    """Two sessions a day for each new therapist, in the first free suitable room."""
    tz = timezone.get_current_timezone()
    first_day = timezone.localdate() - dt.timedelta(days=HISTORY_DAYS)
    # Occupied spans per (room, local day), including bookings the benchmark itself made.
    taken: dict[tuple[int, dt.date], list[tuple]] = {}
    for room_id, start, until in Appointment.objects.active().values_list(
        "room_id", "start", "occupied_until"
    ):
        taken.setdefault((room_id, start.astimezone(tz).date()), []).append((start, until))
    by_style = {
        slug: [r.pk for r in rooms if any(s.slug == slug for s in r.styles.all())]
        for slug in offered
    }
    client = Client.objects.create(name="Growth client", email="growth@example.com", phone="1")
    answers = screening.clear_answers()
    outcome = screening.screen(answers)
    pending = []
    for offset in range(HISTORY_DAYS + AHEAD_DAYS):
        day = first_day + dt.timedelta(days=offset)
        for index, therapist in enumerate(team):
            for session in range(SESSIONS_PER_THERAPIST_DAY):
                block = (index * 5 + session * 6 + offset) % BLOCKS
                start = dt.datetime.combine(day, FIRST_BLOCK, tz) + block * BLOCK
                style = (Style.BAR, Style.FLOOR)[(index + session + offset) % 2]
                room = next(
                    (
                        r
                        for r in by_style[style]
                        if all(
                            not (s < start + BLOCK and start < u)
                            for s, u in taken.get((r, day), ())
                        )
                    ),
                    None,
                )
                if room is None:
                    continue
                taken.setdefault((room, day), []).append((start, start + BLOCK))
                pending.append((therapist, offered[style], room, start))
    intakes = Intake.objects.bulk_create(
        Intake(
            questionnaire_version=outcome.version,
            answers=answers,
            outcome=outcome.outcome,
            reasons=[],
            effective_pressure=outcome.effective_pressure,
        )
        for _ in pending
    )
    Appointment.objects.bulk_create(
        (
            Appointment(
                client=client,
                therapist=therapist,
                service=service,
                room_id=room,
                intake=intake,
                start=start,
                end=start + service.duration,
                occupied_until=start + BLOCK,
                status=AppointmentStatus.CONFIRMED,
                manage_token_hash="-",  # noqa: S106 - bench rows nobody manages
            )
            for (therapist, service, room, start), intake in zip(pending, intakes, strict=True)
        ),
        batch_size=2000,
    )
