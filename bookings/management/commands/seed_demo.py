"""`manage.py seed_demo [--therapists N]`: an idempotent, realistic demo clinic.

Both styles and four services, bar and floor rooms, N therapists with working hours and
credentials (one bar certification expires within 30 days, one therapist is floor-only),
staff and therapist logins, and a spread of appointments over the past and next two weeks.
Running it again changes nothing; `--therapists 20` builds the data the benchmarks use.
"""

import datetime as dt
import random
from decimal import Decimal

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus, Room, Service, Style, hash_manage_token
from bookings.roles import CLINIC_MANAGER, FRONT_DESK
from clients.models import Client
from health import screening
from health.models import Intake
from therapists.models import Credential, CredentialKind, Therapist, WorkingHours

DEMO_PASSWORD = "ashiatsu-demo"  # noqa: S105 - printed for the demo; never used in production
FIRST_NAMES = [
    "Aiko", "Ben", "Carmen", "Dmitri", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jonah",
    "Keiko", "Luis", "Maya", "Nikhil", "Olga", "Pedro", "Quinn", "Rosa", "Sami", "Tomoko",
    "Uma", "Viktor", "Wen", "Yara",
]  # fmt: skip
LAST_NAMES = [
    "Tanaka", "Okafor", "Silva", "Ivanov", "Moreau", "Haddad", "Lindqvist", "Sato", "Costa",
    "Weber", "Nakamura", "Reyes", "Kowalski", "Patel", "Novak", "Alvarez", "Byrne", "Marino",
    "Karimi", "Mori", "Rao", "Petrov", "Chen", "Mansour",
]  # fmt: skip
# Three weekly patterns, so the schedule grid shows different shapes of day.
HOURS_PATTERNS = [
    {day: [(dt.time(9), dt.time(17))] for day in range(0, 5)},
    {day: [(dt.time(10), dt.time(13)), (dt.time(14), dt.time(19))] for day in range(1, 6)},
    {day: [(dt.time(8), dt.time(12)), (dt.time(13), dt.time(16))] for day in (0, 2, 3, 4, 5)},
]
DAYS_OF_HISTORY = 14
DAYS_AHEAD = 14


class Command(BaseCommand):
    help = "Create (or complete) the demo clinic: styles, services, rooms, staff, therapists."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--therapists", type=int, default=6, choices=range(2, 25))

    @transaction.atomic
    def handle(self, *args, therapists: int, **options) -> None:
        styles = self._styles()
        services = self._services(styles)
        rooms = self._rooms(styles, therapists)
        manager, front_desk = self._staff()
        team = [self._therapist(index, manager) for index in range(therapists)]
        created = self._appointments(team, services, rooms)
        self._print_summary(team, manager, front_desk, created)

    def _styles(self) -> dict[str, Style]:
        floor, _ = Style.objects.update_or_create(
            slug=Style.FLOOR,
            defaults={
                "name": "Traditional floor Ashiatsu",
                "required_credential": CredentialKind.FLOOR_CERTIFICATION,
                "description": (
                    "Barefoot Shiatsu rooted in Traditional Chinese Medicine: the therapist "
                    "works pressure points with the feet while you lie on a floor mat in loose, "
                    "comfortable clothing."
                ),
            },
        )
        bar, _ = Style.objects.update_or_create(
            slug=Style.BAR,
            defaults={
                "name": "Oriental bar therapy",
                "required_credential": CredentialKind.BAR_CERTIFICATION,
                "description": (
                    "Long flowing foot strokes combined with faster, lighter ones, the therapist "
                    "holding parallel bars overhead. You lie on a table, undressed and draped "
                    "in a sheet."
                ),
            },
        )
        return {Style.FLOOR: floor, Style.BAR: bar}

    def _services(self, styles: dict[str, Style]) -> list[Service]:
        offers = [
            ("bar-60", "Bar therapy, 60 minutes", Style.BAR, 60, "120.00"),
            ("bar-90", "Bar therapy, 90 minutes", Style.BAR, 90, "165.00"),
            ("floor-60", "Floor Ashiatsu, 60 minutes", Style.FLOOR, 60, "110.00"),
            ("floor-90", "Floor Ashiatsu, 90 minutes", Style.FLOOR, 90, "150.00"),
        ]
        return [
            Service.objects.update_or_create(
                slug=slug,
                defaults={
                    "name": name,
                    "style": styles[style],
                    "duration_minutes": minutes,
                    "price": Decimal(price),
                    "active": True,
                },
            )[0]
            for slug, name, style, minutes, price in offers
        ]

    def _rooms(self, styles: dict[str, Style], therapist_count: int) -> list[Room]:
        """Roughly one room per two therapists: bar rooms, mat rooms and one shared studio."""
        plan = [
            (f"bar-room-{n}", f"Bar room {n}", [Style.BAR])
            for n in range(1, 2 + therapist_count // 4)
        ]
        plan += [
            (f"mat-room-{n}", f"Mat room {n}", [Style.FLOOR])
            for n in range(1, 1 + max(1, therapist_count // 6))
        ]
        plan.append(("studio", "Studio (bars and mat)", [Style.BAR, Style.FLOOR]))
        rooms = []
        for slug, name, room_styles in plan:
            room, _ = Room.objects.update_or_create(
                slug=slug, defaults={"name": name, "active": True}
            )
            room.styles.set([styles[s] for s in room_styles])
            rooms.append(room)
        return rooms

    def _staff(self):
        """The two staff roles (groups made by a migration): a manager and a front desk."""
        manager = self._staff_user("manager", "Mina", "Manager", CLINIC_MANAGER)
        front_desk = self._staff_user("frontdesk", "Felix", "Desk", FRONT_DESK)
        return manager, front_desk

    @staticmethod
    def _staff_user(username: str, first: str, last: str, role: str):
        user, created = get_user_model().objects.get_or_create(
            username=username,
            defaults={"first_name": first, "last_name": last, "email": f"{username}@example.com"},
        )
        user.is_staff = True
        if created:
            user.set_password(DEMO_PASSWORD)
        user.save()
        user.groups.add(Group.objects.get(name=role))
        return user

    def _therapist(self, index: int, verifier) -> Therapist:
        first, last = FIRST_NAMES[index], LAST_NAMES[index]
        slug = f"{first}-{last}".lower()
        user, created = get_user_model().objects.get_or_create(
            username=slug, defaults={"first_name": first, "last_name": last}
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save()
        therapist, _ = Therapist.objects.update_or_create(
            slug=slug,
            defaults={
                "user": user,
                "display_name": f"{first} {last}",
                "bio": f"{first} has practised Ashiatsu for {3 + index % 9} years.",
                "active": True,
            },
        )
        if not therapist.working_hours.exists():
            WorkingHours.objects.bulk_create(
                WorkingHours(therapist=therapist, weekday=day, start=start, end=end)
                for day, intervals in HOURS_PATTERNS[index % len(HOURS_PATTERNS)].items()
                for start, end in intervals
            )
        if not therapist.credentials.exists():
            today = timezone.localdate()
            floor_only = index == 1
            bar_expires_soon = index == 0
            kinds = [CredentialKind.MASSAGE_LICENCE, CredentialKind.FLOOR_CERTIFICATION]
            if not floor_only:
                kinds.append(CredentialKind.BAR_CERTIFICATION)
            for kind in kinds:
                expires = today + dt.timedelta(days=700)
                if kind == CredentialKind.BAR_CERTIFICATION and bar_expires_soon:
                    expires = today + dt.timedelta(days=7)  # inside the booked fortnight
                Credential.objects.create(
                    therapist=therapist,
                    kind=kind,
                    issuer="State Board of Massage"
                    if kind == CredentialKind.MASSAGE_LICENCE
                    else "Ashiatsu Guild",
                    number=f"{kind[:3].upper()}-{1000 + index}",
                    issued_on=today - dt.timedelta(days=900),
                    expires_on=expires,
                    verified_at=timezone.now(),
                    verified_by=verifier,
                )
        return therapist

    def _appointments(
        self, team: list[Therapist], services: list[Service], rooms: list[Room]
    ) -> int:
        """History and upcoming sessions, two or three a working day per therapist.

        Demo history is written directly (the booking service rightly refuses past times);
        rooms are allocated here with the same half-open overlap rule, and on PostgreSQL the
        exclusion constraints would refuse any mistake.
        """
        tz = timezone.get_current_timezone()
        today = timezone.localdate()
        first_day = today - dt.timedelta(days=DAYS_OF_HISTORY)
        window_start = dt.datetime.combine(first_day, dt.time(), tz)
        window_end = window_start + dt.timedelta(days=DAYS_OF_HISTORY + DAYS_AHEAD + 1)
        taken_by_room, booked_starts = _taken(rooms, window_start, window_end)
        rooms_by_style = {
            style: [room for room in rooms if any(s.slug == style for s in room.styles.all())]
            for style in (Style.BAR, Style.FLOOR)
        }
        clients = self._clients()
        hours = {t.id: list(t.working_hours.all()) for t in team}
        qualified_bar = {
            t.id
            for t in team
            if t.credentials.filter(kind=CredentialKind.BAR_CERTIFICATION).exists()
        }
        now = timezone.now()
        pending = []
        for offset in range(DAYS_OF_HISTORY + DAYS_AHEAD + 1):
            day = first_day + dt.timedelta(days=offset)
            for therapist in team:
                rng = random.Random(f"{therapist.slug}:{day.isoformat()}")  # noqa: S311 - demo data
                for interval in (h for h in hours[therapist.id] if h.weekday == day.weekday()):
                    start = dt.datetime.combine(day, interval.start, tz)
                    interval_end = dt.datetime.combine(day, interval.end, tz)
                    while True:
                        choices = [
                            s
                            for s in services
                            if therapist.id in qualified_bar or s.style.slug == Style.FLOOR
                        ]
                        service = rng.choice(choices)
                        end = start + service.duration
                        occupied_until = end + dt.timedelta(minutes=therapist.buffer_minutes)
                        if occupied_until > interval_end:
                            break
                        if rng.random() < 0.55 and (therapist.id, start) not in booked_starts:
                            room = _free_room(
                                rooms_by_style[service.style.slug],
                                taken_by_room,
                                start,
                                occupied_until,
                            )
                            if room is not None:
                                taken_by_room[room.id].append((start, occupied_until))
                                booked_starts.add((therapist.id, start))
                                pending.append(
                                    (
                                        therapist,
                                        service,
                                        room,
                                        start,
                                        end,
                                        occupied_until,
                                        rng,
                                        start < now,
                                    )
                                )
                        start = occupied_until + dt.timedelta(minutes=rng.choice([0, 15, 45]))
                        start = start.replace(minute=start.minute - start.minute % 15)
        self._write_appointments(pending, clients)
        return len(pending)

    def _write_appointments(self, pending: list[tuple], clients: list) -> None:
        """Each planned session with a screened intake, in two bulk inserts."""
        intakes, statuses = [], []
        for *_, rng, past in pending:
            answers, status = self._intake_and_status(rng, past)
            result = screening.screen(answers)
            statuses.append(status)
            intakes.append(
                Intake(
                    questionnaire_version=result.version,
                    answers=answers,
                    outcome=result.outcome,
                    reasons=list(result.reasons),
                    effective_pressure=result.effective_pressure,
                )
            )
        Intake.objects.bulk_create(intakes)
        Appointment.objects.bulk_create(
            Appointment(
                client=clients[index % len(clients)],
                therapist=therapist,
                service=service,
                room=room,
                intake=intake,
                start=start,
                end=end,
                occupied_until=occupied_until,
                status=status,
                manage_token_hash=hash_manage_token(f"demo-{start.isoformat()}-{therapist.slug}"),
            )
            for index, (
                (therapist, service, room, start, end, occupied_until, *_),
                intake,
                status,
            ) in enumerate(zip(pending, intakes, statuses, strict=True))
        )

    @staticmethod
    def _intake_and_status(rng: random.Random, past: bool) -> tuple[dict, str]:
        roll = rng.random()
        if past:
            status = AppointmentStatus.COMPLETED if roll < 0.9 else AppointmentStatus.NO_SHOW
            return screening.clear_answers(pressure=rng.choice(["light", "medium", "deep"])), status
        if roll < 0.1:
            return screening.clear_answers(disc_condition=True), AppointmentStatus.PENDING_REVIEW
        if roll < 0.25:
            answers = screening.clear_answers(
                back_pain_now="mild",
                avoid_areas="Left shoulder",
                avoid_regions=["shoulder_left", "lower_back_right"],
            )
            return answers, AppointmentStatus.CONFIRMED
        answers = screening.clear_answers(pressure=rng.choice(["medium", "deep"]))
        return answers, AppointmentStatus.CONFIRMED

    @staticmethod
    def _clients() -> list[Client]:
        clients = []
        for index in range(40):
            first = FIRST_NAMES[(index * 7 + 3) % len(FIRST_NAMES)]
            last = LAST_NAMES[(index * 5 + 11) % len(LAST_NAMES)]
            client, _ = Client.objects.get_or_create(
                email=f"client{index + 1}@example.com",
                defaults={"name": f"{first} {last}", "phone": f"+1 212 555 {1000 + index:04d}"},
            )
            clients.append(client)
        return clients

    def _print_summary(self, team, manager, front_desk, created: int) -> None:
        out = self.stdout
        out.write(self.style.SUCCESS(f"Demo clinic ready ({created} new appointments)."))
        out.write(f"  Clinic time zone: {settings.CLINIC_TIME_ZONE}")
        out.write(f"  Password for every demo login: {DEMO_PASSWORD}")
        out.write(
            f"  Staff (admin at /admin/): {manager.username} (clinic manager), {front_desk.username} (front desk)"
        )
        out.write("  Therapists: " + ", ".join(t.user.username for t in team))


def _free_room(rooms: list, taken_by_room: dict[int, list[tuple]], start, occupied_until):
    """The first of `rooms` with nothing in [start, occupied_until), or None."""
    return next(
        (
            r
            for r in rooms
            if all(not (s < occupied_until and start < o) for s, o in taken_by_room[r.id])
        ),
        None,
    )


def _taken(rooms: list, window_start, window_end) -> tuple[dict[int, list[tuple]], set]:
    """What is already booked in the window (a second run adds around it): the occupied
    spans per room and the (therapist, start) pairs."""
    existing = list(
        Appointment.objects.active().filter(start__lt=window_end, occupied_until__gt=window_start)
    )
    taken_by_room: dict[int, list[tuple]] = {room.id: [] for room in rooms}
    for appointment in existing:
        taken_by_room.setdefault(appointment.room_id, []).append(
            (appointment.start, appointment.occupied_until)
        )
    return taken_by_room, {(a.therapist_id, a.start) for a in existing}
