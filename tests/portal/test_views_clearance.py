"""The therapist's day card and session page say why a booking needed clearance, and stop
saying "Needs clearance" once staff approved it (issue 15)."""

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentStatus
from tests.bookings.clinic import local_time
from tests.factories import AppointmentFactory, IntakeFactory, TherapistFactory

pytestmark = pytest.mark.django_db

WHY = "A disc condition needs our clinical staff to review the booking first"


def needing_clearance(therapist, status):
    intake = IntakeFactory(outcome="needs_clearance", reasons=[WHY], effective_pressure="medium")
    return AppointmentFactory(
        therapist=therapist, start=local_time(1, 10), intake=intake, status=status
    )


def day_page(client, appointment) -> str:
    client.force_login(appointment.therapist.user)
    day = timezone.localdate(appointment.start).isoformat()
    return client.get(reverse("therapists:day", args=[day])).content.decode()


def test_a_pending_booking_says_why_it_needs_clearance(client, alice):
    appointment = needing_clearance(alice, AppointmentStatus.PENDING_REVIEW)
    page = day_page(client, appointment)
    assert "not cleared yet" in page and f"Why it needed clearance: {WHY}" in page


def test_after_approval_the_card_and_session_page_say_cleared(client, alice):
    appointment = needing_clearance(alice, AppointmentStatus.CONFIRMED)
    page = day_page(client, appointment)
    assert "Cleared by clinic staff" in page and WHY in page
    assert "Needs clearance" not in page
    detail = client.get(reverse("therapists:appointment", args=[appointment.reference]))
    assert "Outcome: <strong>Cleared by clinic staff" in detail.content.decode()
    assert "Outcome: <strong>Needs clearance" not in detail.content.decode()


def test_another_therapist_does_not_see_the_card(client, alice):
    appointment = needing_clearance(alice, AppointmentStatus.CONFIRMED)
    other = TherapistFactory()
    client.force_login(other.user)
    response = client.get(reverse("therapists:appointment", args=[appointment.reference]))
    assert response.status_code == 404
