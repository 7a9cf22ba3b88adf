"""The waitlist and dated contraindications (questionnaire version 3): nobody waits for,
or is offered, a time before the day their answers allow; entries from version 2 keep
being booked by version 2's rules."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.booking_changes import booking_cancel
from bookings.models import Appointment
from bookings.services import INVALID_REQUEST, booking_create
from health.screening import clear_answers, clear_answers_v2
from tests.bookings.clinic import local_time
from tests.waitlist.test_waitlist import ADA, CY, join
from waitlist.models import WaitlistEntry, WaitlistOffer
from waitlist.services import WaitlistError, offer_accept

pytestmark = pytest.mark.django_db


def ended_so_bookable_on(day: dt.date) -> str:
    return (day - dt.timedelta(weeks=12)).isoformat()


def test_joining_for_days_before_the_bookable_day_asks_for_later_dates(clinic, solo):
    bookable = timezone.localdate() + dt.timedelta(days=5)
    with pytest.raises(WaitlistError) as error:
        join(
            lambda f, **k: f(**k),
            clinic,
            solo,
            ADA,
            days_ahead=3,
            confirm=False,
            pregnancy="ended",
            pregnancy_end_date=ended_so_bookable_on(bookable),
        )
    assert error.value.code == INVALID_REQUEST
    assert f"Please choose dates from {bookable:%d %B %Y} on." in error.value.message
    assert not WaitlistEntry.objects.exists()


def test_joining_from_the_bookable_day_keeps_the_version_and_books(clinic, solo, run_after_commit):
    start = local_time(5, 10)
    taken = run_after_commit(
        booking_create,
        service=clinic.bar_60,
        therapist=solo,
        start=start,
        client=CY,
        answers=clear_answers(),
    ).appointment
    entry = join(
        run_after_commit,
        clinic,
        solo,
        ADA,
        days_ahead=5,
        pregnancy="ended",
        pregnancy_end_date=ended_so_bookable_on(start.date()),
    )
    assert entry.questionnaire_version == 3
    run_after_commit(booking_cancel, appointment=taken)
    booked = offer_accept(offer=WaitlistOffer.objects.get()).appointment
    assert booked.intake.questionnaire_version == 3


def test_an_entry_answered_under_version_2_is_booked_by_version_2(clinic, solo, run_after_commit):
    start = local_time(3, 10)
    taken = run_after_commit(
        booking_create,
        service=clinic.bar_60,
        therapist=solo,
        start=start,
        client=CY,
        answers=clear_answers(),
    ).appointment
    entry = join(run_after_commit, clinic, solo, ADA)
    # As an entry that was waiting when version 3 came (migration 0005 gave it 2).
    WaitlistEntry.objects.filter(pk=entry.pk).update(
        questionnaire_version=2, answers=clear_answers_v2(spinal_surgery="over_12_months")
    )
    run_after_commit(booking_cancel, appointment=taken)
    booked = offer_accept(offer=WaitlistOffer.objects.get()).appointment
    assert (booked.intake.questionnaire_version, booked.intake.outcome) == (2, "needs_clearance")
    assert Appointment.objects.filter(status="pending_review").count() == 1


def test_the_join_page_says_from_which_day_and_keeps_nothing(client, clinic):
    from tests.waitlist.test_waitlist import TestPages

    bookable = timezone.localdate() + dt.timedelta(days=5)
    data = TestPages.form(
        None, clinic, pregnancy="ended", pregnancy_end_date=ended_so_bookable_on(bookable)
    )
    response = client.post(reverse("waitlist:join"), data)
    assert response.status_code == 400
    assert f"Please choose dates from {bookable:%d %B %Y} on." in response.content.decode()
    assert not WaitlistEntry.objects.exists()
