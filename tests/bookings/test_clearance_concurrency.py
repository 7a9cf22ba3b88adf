"""A clearance withdrawn while a booking relying on it is being written: real threads, real
connections. The booking locks the clearance it relies on, so the withdrawal waits for it to
commit and then sends it back to review; it is never left confirmed under a withdrawn
clearance."""

import threading

import pytest
from django.db import connection
from django.utils import timezone

from bookings import clearances
from bookings.clearance_withdrawal import clearance_withdraw
from bookings.models import Appointment, AppointmentStatus
from bookings.services import ClientDetails, booking_create
from clients.models import Client
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import ClearanceFactory, ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

ADA = ClientDetails("Ada Lovelace", "ada@example.com", "+1 212 555 0199")
WAIT = 20  # seconds; a hung lock fails the test instead of hanging it


def test_a_withdrawal_waits_for_the_booking_relying_on_it_then_sends_it_to_review(
    clinic, manager, monkeypatch
):
    record = ClientFactory(
        name=ADA.name,
        email=ADA.email,
        confirmed_at=timezone.now(),
        confirmed_by=Client.ConfirmedBy.EMAIL_LINK,
    )
    on_file = ClearanceFactory(client=record, scope="light_pressure")
    held, release = threading.Event(), threading.Event()
    real = clearances.covering_clearance

    def pausing(**kwargs):
        found = real(**kwargs)
        if threading.current_thread().name == "booking":
            held.set()  # the booking has read (and locked) the clearance
            assert release.wait(WAIT)
        return found

    monkeypatch.setattr(clearances, "covering_clearance", pausing)
    outcome: dict = {}

    def book():
        try:
            outcome["booked"] = booking_create(
                service=clinic.bar_60,
                therapist=clinic.therapists[0],
                start=local_time(3, 10),
                client=ADA,
                answers=clear_answers(disc_condition=True, pressure="deep"),
                record=record,
            ).appointment.pk
        finally:
            connection.close()

    def withdraw():
        try:
            outcome["back"] = clearance_withdraw(clearance=on_file, by=manager, reason="GP call")
        finally:
            connection.close()

    booking = threading.Thread(target=book, name="booking")
    booking.start()
    assert held.wait(WAIT)
    withdrawal = threading.Thread(target=withdraw, name="withdrawal")
    withdrawal.start()
    withdrawal.join(1.0)
    assert withdrawal.is_alive()  # waits for the booking's lock on the clearance
    release.set()
    booking.join(WAIT)
    withdrawal.join(WAIT)
    assert not booking.is_alive() and not withdrawal.is_alive()
    appointment = Appointment.objects.get(pk=outcome["booked"])
    assert appointment.status == AppointmentStatus.PENDING_REVIEW
    assert [a.pk for a in outcome["back"]] == [appointment.pk]
