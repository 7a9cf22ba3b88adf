"""A small, fully bookable clinic for service and view tests."""

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from bookings.models import Room, Service
from tests.factories import (
    CredentialFactory,
    RoomFactory,
    ServiceFactory,
    StyleFactory,
    TherapistFactory,
    WorkingHoursFactory,
)
from therapists.models import CredentialKind, Therapist


@dataclass
class Clinic:
    bar_60: Service
    floor_60: Service
    bar_rooms: list[Room]
    mat_room: Room
    therapists: list[Therapist]  # bar and floor qualified, every day 09:00-17:00
    floor_only: Therapist


def qualify(therapist: Therapist, *kinds: str, **credential) -> None:
    for kind in (CredentialKind.MASSAGE_LICENCE, *kinds):
        CredentialFactory(therapist=therapist, kind=kind, **credential)


def work_every_day(therapist: Therapist, start=dt.time(9), end=dt.time(17)) -> None:
    for weekday in range(7):
        WorkingHoursFactory(therapist=therapist, weekday=weekday, start=start, end=end)


def build_clinic(*, therapists: int = 2, bar_rooms: int = 2) -> Clinic:
    bar, floor = StyleFactory(slug="bar"), StyleFactory(slug="floor")
    team = []
    for _ in range(therapists):
        therapist = TherapistFactory()
        qualify(therapist, CredentialKind.BAR_CERTIFICATION, CredentialKind.FLOOR_CERTIFICATION)
        work_every_day(therapist)
        team.append(therapist)
    floor_only = TherapistFactory()
    qualify(floor_only, CredentialKind.FLOOR_CERTIFICATION)
    work_every_day(floor_only)
    return Clinic(
        bar_60=ServiceFactory(style=bar, duration_minutes=60),
        floor_60=ServiceFactory(style=floor, duration_minutes=60),
        bar_rooms=[RoomFactory(styles=[bar]) for _ in range(bar_rooms)],
        mat_room=RoomFactory(styles=[floor]),
        therapists=team,
        floor_only=floor_only,
    )


def local_time(days_ahead: int, hour: int, minute: int = 0) -> dt.datetime:
    """An aware datetime `days_ahead` local days from today at hour:minute, clinic zone."""
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(hour, minute), timezone.get_current_timezone())
