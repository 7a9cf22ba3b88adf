"""What makes a therapist a client's *treating* therapist, the ground of every reading right a
therapist has over a client's record beyond their own session (bookings.privacy, the
health-data rule, and the clearance letters in health.clearances use it).

A booking anyone can make under anyone's address must grant nothing by itself: only a
session the clinic holds (confirmed, checked in) or gave (completed, recently) counts, never
a request awaiting its deposit or a review, and never a session a staff member or therapist
booked on the public pages themselves.
"""

import datetime as dt

from django.conf import settings
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus

# The sessions through which a therapist treats a client: a booking awaiting its deposit or
# pending review is only a request (anyone may make one under anyone's address).
TREATING_STATUSES = (
    AppointmentStatus.CONFIRMED,
    AppointmentStatus.CHECKED_IN,
    AppointmentStatus.COMPLETED,
)


def treating_sessions(therapist, *, now: dt.datetime | None = None):
    """The therapist's sessions that let them read a client's record (clearances, earlier
    sessions): confirmed, checked in or completed, started no longer ago than
    TREATING_WINDOW_DAYS, and not booked on the public pages by a signed-in staff member
    or therapist (`booked_by_staff`: a therapist who books herself under a client's address
    gains no reading right by it)."""
    since = (now or timezone.now()) - dt.timedelta(days=settings.TREATING_WINDOW_DAYS)
    return Appointment.objects.filter(
        therapist=therapist, status__in=TREATING_STATUSES, start__gte=since, booked_by_staff=False
    )


def treats_client(user, client_id: int) -> bool:
    """Whether `user` is a therapist treating this client record now (`treating_sessions`)."""
    therapist = getattr(user, "therapist", None) if user.is_authenticated else None
    return (
        therapist is not None and treating_sessions(therapist).filter(client_id=client_id).exists()
    )
