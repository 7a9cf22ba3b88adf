"""A hand-computed clinic for the report tests: two therapists, two rooms, two weeks of June
2026 (Monday 1 and Monday 8), with completed, no-show, cancelled (early and late), pending and
erased-client bookings. Every expected figure in the tests is worked out in the comments here.

Working hours: Ana Mon-Fri 09:00-17:00 (480 min a day), Ben Mon and Wed 10:00-14:00 (240).
Time off: Ana Tue 9 June 09:00-13:00 (240). Closed: Fri 12 June.
Open minutes: Ana 2400 (week 1) and 2400 - 240 - 480 = 1680 (week 2); Ben 480 and 480.
Rooms are open when anyone works: 2400 and 1920 (the closed Friday).
"""

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.conf import settings

from bookings.models import Appointment, AppointmentEvent, ClosedDay
from bookings.privacy import client_erase
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    IntakeFactory,
    RoomFactory,
    ServiceFactory,
    StyleFactory,
    TherapistFactory,
    UserFactory,
    WorkingHoursFactory,
)
from therapists.models import TimeOff

WEEK_1 = dt.date(2026, 6, 1)
WEEK_2 = dt.date(2026, 6, 8)


def local(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), ZoneInfo(settings.CLINIC_TIME_ZONE))


def june(day: int) -> dt.date:
    return dt.date(2026, 6, day)


@dataclass
class Fixture:
    ana: object
    ben: object
    now: dt.datetime  # Fri 12 June 10:00: every session of the two weeks has started


def build() -> Fixture:
    bar, floor = StyleFactory(slug="bar", name="Bar"), StyleFactory(slug="floor", name="Floor")
    bar_60 = ServiceFactory(style=bar, duration_minutes=60, name="Bar 60", price=Decimal("120"))
    floor_90 = ServiceFactory(
        style=floor, duration_minutes=90, name="Floor 90", price=Decimal("150")
    )
    bar_room = RoomFactory(name="Bar room", styles=[bar])
    mat_room = RoomFactory(name="Mat room", styles=[floor])
    ana = TherapistFactory(display_name="Ana", weekly_load_minutes=1200)
    ben = TherapistFactory(display_name="Ben", weekly_load_minutes=170)
    for weekday in range(5):
        WorkingHoursFactory(therapist=ana, weekday=weekday, start=dt.time(9), end=dt.time(17))
    for weekday in (0, 2):
        WorkingHoursFactory(therapist=ben, weekday=weekday, start=dt.time(10), end=dt.time(14))
    TimeOff.objects.create(therapist=ana, start=local(june(9), 9), end=local(june(9), 13))
    ClosedDay.objects.create(date=june(12), reason="Maintenance")

    def book(therapist, service, start, email, status="completed", **intake):
        room = bar_room if service is bar_60 else mat_room
        return AppointmentFactory(
            therapist=therapist,
            service=service,
            room=room,
            start=start,
            status=status,
            client=ClientFactory(email=email),
            intake=IntakeFactory(**intake),
        )

    # Before the period: Hank's and Ivy's first visits.
    book(ben, bar_60, local(dt.date(2026, 5, 25), 10), "hank@example.com")
    book(ana, bar_60, local(dt.date(2026, 5, 18), 10), "ivy@example.com")
    # Week 1
    book(ana, bar_60, local(june(1), 10), "alice@example.com")  # a1: Alice's first visit
    book(ana, floor_90, local(june(2), 10), "Bob@Example.COM")  # a2: Bob's first visit
    book(ben, bar_60, local(june(1), 12), "carol@example.com", "no_show")  # a3
    late = book(ben, floor_90, local(june(3), 10), "dave@example.com", "cancelled")  # a4
    early = book(ana, bar_60, local(june(4), 10), "eve@example.com", "cancelled")  # a5
    book(ben, bar_60, local(june(3), 13), "hank@example.com")  # h1: Hank returns
    # Week 2
    book(ana, bar_60, local(june(8), 10), "ALICE@example.com")  # b1: Alice's second visit
    book(ben, floor_90, local(june(8), 10), "ivy@example.com")  # b2: Ivy (erased below)
    book(ana, floor_90, local(june(10), 14), "bob@example.com", "confirmed")  # b3
    reviewed = book(
        ben, bar_60, local(june(10), 11), "frank@example.com", outcome="needs_clearance"
    )  # b4
    pending = book(
        ana,
        bar_60,
        local(june(11), 10),
        "gina@example.com",
        "pending_review",
        outcome="needs_clearance",
    )  # b5
    # After the period: Carol's first real visit (her no-show was not one).
    book(ana, bar_60, local(dt.date(2026, 6, 20), 10), "carol@example.com")

    # Dave cancelled two hours before (late: inside the 24 h cut-off); Eve five days ahead.
    for appointment, at in ((late, local(june(3), 8)), (early, local(dt.date(2026, 5, 30), 9))):
        event = AppointmentEvent.objects.create(
            appointment=appointment, kind=AppointmentEvent.Kind.CANCELLED
        )
        AppointmentEvent.objects.filter(pk=event.pk).update(at=at)
    # Frank's intake was booked Fri 5 June 09:00 and approved six hours later; Gina's,
    # booked Tue 9 June 10:00, still waits.
    Appointment.objects.filter(pk=reviewed.pk).update(created_at=local(june(5), 9))
    approved = AppointmentEvent.objects.create(
        appointment=reviewed, kind=AppointmentEvent.Kind.STATUS
    )
    AppointmentEvent.objects.filter(pk=approved.pk).update(at=local(june(5), 15))
    Appointment.objects.filter(pk=pending.pk).update(created_at=local(june(9), 10))

    manager = UserFactory(username="eraser", is_superuser=True, is_staff=True)
    client_erase(email="ivy@example.com", user=manager)
    return Fixture(ana=ana, ben=ben, now=local(june(12), 10))
