"""The waitlist: joining (screened like a booking), offers in order of joining that hold the
slot, expiry passing the slot on, and accepting through `booking_create`."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from ashiatsu_clinic.sweep import clinic_sweep
from bookings.booking_changes import booking_cancel
from bookings.models import Appointment, AppointmentStatus
from bookings.schedules import available_slots
from bookings.services import TAKEN, BookingError, ClientDetails, booking_create
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import UserFactory
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from waitlist.services import (
    WaitlistError,
    offer_accept,
    offers_make,
    waitlist_confirm,
    waitlist_join,
)

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Waiting", email="ada@example.com", phone="+1 212 555 0101")
BO = ClientDetails(name="Bo Waiting", email="bo@example.com", phone="+1 212 555 0102")
CY = ClientDetails(name="Cy Booked", email="cy@example.com", phone="+1 212 555 0103")


def join(run, clinic, therapist, client, *, days_ahead=3, confirm=True, **answers):
    """Join, then (as the client would) confirm the address through the e-mailed link."""
    day = local_time(days_ahead, 0).date()
    entry = run(
        waitlist_join,
        service=clinic.bar_60,
        therapist=therapist,
        first_day=day,
        last_day=day,
        client=client,
        answers={**clear_answers(), **answers},
    )
    if confirm:
        pk, token = confirm_token(client.email)
        assert pk == entry.pk
        run(waitlist_confirm, pk=pk, token=token)
        entry.refresh_from_db()
    return entry


def confirm_token(address: str) -> tuple[int, str]:
    """The entry id and token of the latest confirmation link mailed to `address`."""
    messages = [m for m in mail.outbox if m.to == [address] and "confirm" in m.subject]
    match = re.search(r"/waitlist/confirm/([0-9]+)/([A-Za-z0-9_-]+)/", messages[-1].body)
    return int(match.group(1)), match.group(2)


def offer_link(address: str) -> str:
    (message,) = [m for m in mail.outbox if m.to == [address] and "free for you" in m.subject]
    return re.search(r"http://\S+/waitlist/offer/\S+/", message.body).group(0)


def test_a_cancellation_goes_to_the_first_waiting_client_then_on_expiry_to_the_second(
    clinic, solo, run_after_commit, client
):
    start = local_time(3, 10)
    booked = run_after_commit(
        booking_create,
        service=clinic.bar_60,
        therapist=solo,
        start=start,
        client=CY,
        answers=clear_answers(),
    ).appointment
    ada = join(run_after_commit, clinic, solo, ADA)
    bo = join(run_after_commit, clinic, solo, BO)
    assert not WaitlistOffer.objects.exists()  # the day is full

    mail.outbox.clear()
    run_after_commit(booking_cancel, appointment=booked)

    first = WaitlistOffer.objects.get()
    assert (first.entry, first.start, first.therapist) == (ada, start, solo)
    ada_link = offer_link("ada@example.com")
    assert not [m for m in mail.outbox if m.to == ["bo@example.com"]]
    # The slot is held: not offered to other clients, not bookable by them.
    now = timezone.now()
    assert (
        available_slots(
            service=clinic.bar_60, therapist=solo, first_day=start.date(), days=1, now=now
        )
        == []
    )
    with pytest.raises(BookingError) as error:
        booking_create(
            service=clinic.bar_60, therapist=solo, start=start, client=CY, answers=clear_answers()
        )
    assert error.value.code == TAKEN

    # Ada does not answer in time; the sweep passes the slot to Bo.
    later = now + dt.timedelta(minutes=31)
    with time_machine.travel(later, tick=False):
        mail.outbox.clear()
        run_after_commit(clinic_sweep)
        first.refresh_from_db()
        assert first.status == OfferStatus.EXPIRED
        second = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
        assert (second.entry, second.start) == (bo, start)
        ada.refresh_from_db()
        assert ada.status == EntryStatus.WAITING  # still waiting, for another time
        bo_link = offer_link("bo@example.com")

        # Ada's old link now says so; Bo's books the slot.
        page = client.post(ada_link)
        assert page.status_code == 409 and "no longer open" in page.content.decode()
        assert "Book this time" in client.get(bo_link).content.decode()
        response = run_after_commit(client.post, bo_link)

    assert response.status_code == 302 and response["Location"].endswith("?new=1")
    appointment = Appointment.objects.get(status=AppointmentStatus.CONFIRMED)
    assert (appointment.client.email, appointment.start, appointment.therapist) == (
        "bo@example.com",
        start,
        solo,
    )
    second.refresh_from_db()
    bo.refresh_from_db()
    assert second.status == OfferStatus.ACCEPTED and second.appointment == appointment
    assert bo.status == EntryStatus.BOOKED and bo.appointment == appointment
    assert [m for m in mail.outbox if m.to == ["bo@example.com"] and "booked" in m.subject]


def test_a_free_slot_in_range_is_offered_on_joining(clinic, run_after_commit):
    entry = join(run_after_commit, clinic, clinic.therapists[0], ADA)
    offer = WaitlistOffer.objects.get()
    assert offer.entry == entry and offer.start == local_time(3, 9)
    assert offer.expires_at - offer.offered_at == pytest.approx(
        dt.timedelta(minutes=30), abs=dt.timedelta(seconds=5)
    )
    subjects = [m.subject for m in mail.outbox if m.to == ["ada@example.com"]]
    assert subjects[0].startswith("You are on the waitlist")
    assert subjects[1].startswith("A time is free for you")


def test_the_holder_gets_the_slot_even_with_a_hold_in_place(clinic, solo, run_after_commit):
    join(run_after_commit, clinic, solo, ADA)
    offer = WaitlistOffer.objects.get()
    result = offer_accept(offer=offer)
    assert result.appointment.start == offer.start and result.appointment.therapist == solo


def test_an_entry_is_not_offered_the_same_slot_twice(clinic, solo, run_after_commit):
    join(run_after_commit, clinic, solo, ADA)
    offer = WaitlistOffer.objects.get()
    WaitlistOffer.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    clinic_sweep()
    offer.refresh_from_db()
    assert offer.status == OfferStatus.EXPIRED
    assert WaitlistOffer.objects.count() == 1


def test_the_intake_is_screened_again_when_accepting(clinic, solo, run_after_commit):
    entry = join(run_after_commit, clinic, solo, ADA)
    WaitlistEntry.objects.filter(pk=entry.pk).update(
        answers={**clear_answers(), "osteoporosis": True}
    )
    with pytest.raises(BookingError) as error:
        offer_accept(offer=WaitlistOffer.objects.get())
    assert error.value.code == "declined"
    assert not Appointment.objects.exists()


def test_a_declined_intake_cannot_join(clinic):
    with pytest.raises(WaitlistError) as error:
        join(lambda f, **k: f(**k), clinic, None, ADA, osteoporosis=True)
    assert error.value.code == "declined" and "osteoporosis" in error.value.message
    assert not WaitlistEntry.objects.exists()


def test_dates_outside_the_horizon_or_in_the_past_are_refused(clinic):
    for days in (-1, 61):
        with pytest.raises(WaitlistError):
            join(lambda f, **k: f(**k), clinic, None, ADA, days_ahead=days)


def test_entries_whose_dates_have_passed_end(clinic, solo, run_after_commit):
    entry = join(run_after_commit, clinic, solo, ADA, days_ahead=1)
    WaitlistOffer.objects.all().delete()
    WaitlistEntry.objects.update(status=EntryStatus.WAITING)
    with time_machine.travel(timezone.now() + dt.timedelta(days=3), tick=False):
        offers_make()
    entry.refresh_from_db()
    assert entry.status == EntryStatus.ENDED


class TestPages:
    def form(self, clinic, **answers):
        day = local_time(3, 0).date().isoformat()
        data = {
            "want-service": clinic.bar_60.pk,
            "want-therapist": "",
            "want-first_day": day,
            "want-last_day": day,
            "contact-name": "Ada Waiting",
            "contact-email": "ada@example.com",
            "contact-phone": "+1 212 555 0101",
        }
        for key, value in {**clear_answers(), **answers}.items():
            if value is None:
                continue  # a date that is not asked: the form posts nothing
            if isinstance(value, bool):
                value = "yes" if value else "no"
                if key in ("consent", "adult"):
                    value = "on"
            data[f"intake-{key}"] = value
        return data

    def test_the_join_page_preselects_the_service(self, client, clinic):
        page = client.get(reverse("waitlist:join"), {"service": "bar-60"})
        assert page.status_code == 200
        assert f'value="{clinic.bar_60.pk}" selected' in page.content.decode()

    def test_joining_through_the_page(self, client, clinic):
        response = client.post(reverse("waitlist:join"), self.form(clinic))
        assert response.status_code == 302, response.content.decode()[:3000]
        assert response["Location"] == reverse("waitlist:joined")
        entry = WaitlistEntry.objects.get()
        assert entry.email == "ada@example.com" and entry.answers["pressure"]

    def test_a_declined_intake_is_told_why_and_nothing_is_kept(self, client, clinic):
        response = client.post(reverse("waitlist:join"), self.form(clinic, pregnancy="pregnant"))
        page = response.content.decode()
        assert "We cannot book an Ashiatsu session for you now" in page
        assert "pregnan" in page.lower()
        assert not WaitlistEntry.objects.exists()

    def test_missing_answers_are_shown(self, client, clinic):
        data = self.form(clinic)
        del data["intake-implant"]
        response = client.post(reverse("waitlist:join"), data)
        assert response.status_code == 400 and "This field is required" in response.content.decode()

    def test_an_offer_link_with_a_wrong_token_is_404(self, client, clinic, solo, run_after_commit):
        join(run_after_commit, clinic, solo, ADA)
        offer = WaitlistOffer.objects.get()
        url = reverse("waitlist:offer", args=[offer.pk, "x" * 43])
        assert client.get(url).status_code == 404
        assert client.post(url).status_code == 404

    def test_opening_the_link_does_not_accept(self, client, clinic, solo, run_after_commit):
        join(run_after_commit, clinic, solo, ADA)
        client.get(offer_link("ada@example.com"))
        assert not Appointment.objects.exists()


class TestAdmin:
    def test_staff_see_the_waitlist_and_can_remove_someone(
        self, client, clinic, solo, run_after_commit
    ):
        entry = join(run_after_commit, clinic, solo, ADA)
        client.force_login(UserFactory(username="boss", is_staff=True, is_superuser=True))
        page = client.get(reverse("admin:waitlist_waitlistentry_changelist"))
        assert page.status_code == 200 and "Ada Waiting" in page.content.decode()
        detail = client.get(reverse("admin:waitlist_waitlistentry_change", args=[entry.pk]))
        assert detail.status_code == 200 and "fracture" not in detail.content.decode().lower()
        client.post(
            reverse("admin:waitlist_waitlistentry_changelist"),
            {"action": "remove", "_selected_action": [entry.pk]},
        )
        entry.refresh_from_db()
        assert entry.status == EntryStatus.LEFT
        assert WaitlistOffer.objects.get().status == OfferStatus.WITHDRAWN
