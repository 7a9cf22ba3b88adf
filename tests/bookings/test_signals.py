"""Bookings tell the apps above them through signals and the occupancy interface, never an
import: `slot_freed` arrives only after the change commits, and a registered hold source
blocks its slot for everyone but the hold's own booking."""

import pytest
from django.db import transaction

from bookings import occupancy, signals
from bookings.booking_changes import booking_cancel
from bookings.services import TAKEN, BookingError, ClientDetails, booking_create
from health.screening import clear_answers
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Client", email="ada@example.com", phone="+1 212 555 0199")


def book(clinic, **kwargs):
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(3, 10),
        client=ADA,
        answers=clear_answers(),
        **kwargs,
    )


def test_slot_freed_is_sent_after_commit_and_not_for_a_rolled_back_change(
    clinic, django_capture_on_commit_callbacks
):
    heard = []

    def receiver(sender, **kwargs):
        heard.append(sender)

    signals.slot_freed.connect(receiver)
    try:
        appointment = book(clinic).appointment
        with django_capture_on_commit_callbacks(execute=True):
            booking_cancel(appointment=appointment)
        assert len(heard) == 1

        with pytest.raises(RuntimeError), transaction.atomic():
            signals.slot_freed_after_commit(sender=None)
            raise RuntimeError("rolled back")
        assert len(heard) == 1
    finally:
        signals.slot_freed.disconnect(receiver)


class ChairHold:
    """A test hold: whatever the test source yields, claimed by the booking that takes it."""

    source = "test_hold"
    pk = 1

    def __init__(self):
        self.claimed_by = None

    def lock(self):
        """Nothing to lock: the test source's row is a constant."""

    def claim(self, *, appointment, now):
        self.claimed_by = appointment
        return True


def test_a_hold_source_blocks_its_slot_except_for_the_holds_own_booking(clinic):
    holder = clinic.therapists[0]
    room = clinic.bar_rooms[0]
    start = local_time(3, 10)

    def source(window):
        from bookings.models import Appointment

        # A constant row in the shape the loader UNIONs: the hold on therapist, room and time.
        held = Appointment.objects.none().values_list(*occupancy.COLUMNS)
        if window.ignore_pk == ChairHold.pk:
            return held
        from django.db.models import Value
        from django.db.models.functions import Cast

        return (
            type(holder)
            .objects.filter(pk=holder.pk)
            .annotate(
                therapist_id=Value(holder.pk),
                room_id=Value(room.pk),
                start=Cast(Value(start), output_field=Appointment._meta.get_field("start")),
                occupied_until=Cast(
                    Value(start + clinic.bar_60.duration),
                    output_field=Appointment._meta.get_field("start"),
                ),
            )
            .values_list(*occupancy.COLUMNS)
        )

    occupancy.hold_source_register(ChairHold.source, source)
    try:
        with pytest.raises(BookingError) as taken:
            book(clinic)
        assert taken.value.code == TAKEN
        hold = ChairHold()
        result = book(clinic, hold=hold)
        assert hold.claimed_by == result.appointment
    finally:
        occupancy.hold_source_unregister(ChairHold.source)
