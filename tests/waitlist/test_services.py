"""Waitlist abuse (issue 11, items 2 and 3): caps on joins, no offer before the address is
confirmed, confirmation links, and offers that pass on instead of cycling through one person."""

import datetime as dt

import pytest
import time_machine
from django.core import mail
from django.utils import timezone

from ashiatsu_clinic.sweep import clinic_sweep
from bookings.privacy import client_erase
from bookings.services import ClientDetails
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import UserFactory
from tests.waitlist.test_waitlist import ADA, BO, confirm_token, join
from waitlist import services
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer
from waitlist.services import (
    WaitlistError,
    offer_decline,
    offers_make,
    waitlist_confirm,
    waitlist_join,
    waitlist_leave,
)

pytestmark = pytest.mark.django_db

CY = ClientDetails(name="Cy Waiting", email="cy@example.com", phone="+1 212 555 0103")


def mails_to(address: str) -> list:
    return [m for m in mail.outbox if m.to == [address]]


def lapse_open_offers(run_after_commit) -> None:
    """Let every open offer run out, then run the sweep as the clock would."""
    WaitlistOffer.objects.filter(status=OfferStatus.OPEN).update(
        expires_at=timezone.now() - dt.timedelta(seconds=1)
    )
    run_after_commit(clinic_sweep)


class TestCaps:
    def test_open_entries_per_e_mail_are_capped_without_sending_mail(
        self, settings, clinic, run_after_commit
    ):
        settings.WAITLIST_MAX_OPEN_PER_EMAIL = 2
        join(run_after_commit, clinic, None, ADA, confirm=False)
        join(run_after_commit, clinic, None, ADA, days_ahead=4, confirm=False)
        shouting = ClientDetails(name="Ada", email="ADA@Example.com", phone=ADA.phone)
        mail.outbox.clear()
        with pytest.raises(WaitlistError) as error:
            join(run_after_commit, clinic, None, shouting, days_ahead=5, confirm=False)
        assert error.value.code == services.TOO_MANY
        assert "already has 2 open places" in error.value.message
        assert WaitlistEntry.objects.count() == 2 and mail.outbox == []

    def test_a_closed_entry_no_longer_counts_against_the_cap(
        self, settings, clinic, run_after_commit
    ):
        settings.WAITLIST_MAX_OPEN_PER_EMAIL = 1
        first = join(run_after_commit, clinic, None, ADA, confirm=False)
        waitlist_leave(entry=first)
        join(run_after_commit, clinic, None, ADA, confirm=False)
        assert WaitlistEntry.objects.filter(status=EntryStatus.PENDING).count() == 1

    def test_open_entries_per_client_address_are_capped_without_sending_mail(
        self, settings, clinic, run_after_commit
    ):
        settings.WAITLIST_MAX_OPEN_PER_ADDRESS = 2
        day = local_time(3, 0).date()

        def from_address(client, address):
            return run_after_commit(
                waitlist_join,
                service=clinic.bar_60,
                therapist=None,
                first_day=day,
                last_day=day,
                client=client,
                answers=clear_answers(),
                client_address=address,
            )

        from_address(ADA, "203.0.113.7")
        from_address(BO, "203.0.113.7")
        mail.outbox.clear()
        with pytest.raises(WaitlistError) as error:
            from_address(CY, "203.0.113.7")
        assert error.value.code == services.TOO_MANY and "call us" in error.value.message
        assert mail.outbox == []
        from_address(CY, "198.51.100.1")  # another connection is not held back
        assert WaitlistEntry.objects.count() == 3


class TestConfirmation:
    def test_no_offer_is_made_before_the_address_is_confirmed(self, clinic, run_after_commit):
        entry = join(run_after_commit, clinic, clinic.therapists[0], ADA, confirm=False)
        run_after_commit(clinic_sweep)
        assert entry.status == EntryStatus.PENDING
        assert not WaitlistOffer.objects.exists()
        # Exactly one e-mail, the confirmation link, and no offer.
        (message,) = mails_to("ada@example.com")
        assert "confirm" in message.subject and "/waitlist/confirm/" in message.body
        assert "Ada Waiting" not in message.body  # no typed free text in a mail to anyone

        pk, token = confirm_token("ada@example.com")
        run_after_commit(waitlist_confirm, pk=pk, token=token)
        entry.refresh_from_db()
        assert entry.status == EntryStatus.OFFERED and entry.confirmed_at is not None
        assert WaitlistOffer.objects.get().entry == entry

    def test_the_token_is_stored_hashed(self, clinic, run_after_commit):
        entry = join(run_after_commit, clinic, None, ADA, confirm=False)
        _, token = confirm_token("ada@example.com")
        assert token not in entry.confirm_token_hash and len(entry.confirm_token_hash) == 64

    def test_a_link_confirms_once(self, clinic, run_after_commit):
        join(run_after_commit, clinic, None, ADA)
        pk, token = confirm_token("ada@example.com")
        with pytest.raises(WaitlistError) as error:
            waitlist_confirm(pk=pk, token=token)
        assert error.value.code == services.LINK_USED

    def test_a_wrong_token_or_another_entrys_token_does_not_confirm(self, clinic, run_after_commit):
        ada = join(run_after_commit, clinic, None, ADA, confirm=False)
        join(run_after_commit, clinic, None, BO, confirm=False)
        _, bo_token = confirm_token("bo@example.com")
        for pk, token in [(ada.pk, "x" * 43), (ada.pk, bo_token), (ada.pk + 100, bo_token)]:
            with pytest.raises(WaitlistError) as error:
                waitlist_confirm(pk=pk, token=token)
            assert error.value.code == services.LINK_WRONG
        ada.refresh_from_db()
        assert ada.status == EntryStatus.PENDING

    def test_unconfirmed_entries_lapse_and_their_link_expires(
        self, settings, clinic, run_after_commit
    ):
        entry = join(run_after_commit, clinic, None, ADA, confirm=False)
        pk, token = confirm_token("ada@example.com")
        later = timezone.now() + dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS, seconds=1)
        with time_machine.travel(later, tick=False):
            with pytest.raises(WaitlistError) as error:
                waitlist_confirm(pk=pk, token=token)
            assert error.value.code == services.LINK_EXPIRED
            offers_make()
        entry.refresh_from_db()
        assert entry.status == EntryStatus.LAPSED and not WaitlistOffer.objects.exists()

    def test_this_was_not_me_removes_the_entry_and_nothing_more_is_sent(
        self, clinic, run_after_commit
    ):
        entry = join(run_after_commit, clinic, None, ADA, confirm=False)
        pk, token = confirm_token("ada@example.com")
        mail.outbox.clear()
        run_after_commit(services.waitlist_refuse, pk=pk, token=token)
        run_after_commit(clinic_sweep)
        entry.refresh_from_db()
        assert entry.status == EntryStatus.LEFT and mail.outbox == []
        with pytest.raises(WaitlistError) as error:
            waitlist_confirm(pk=pk, token=token)
        assert error.value.code == services.LINK_EXPIRED


class TestOffersPassOn:
    def test_an_expired_offer_goes_to_the_next_in_line_not_the_next_quarter_hour(
        self, clinic, pair, run_after_commit
    ):
        ada = join(run_after_commit, clinic, pair, ADA)
        bo = join(run_after_commit, clinic, pair, BO)
        first = WaitlistOffer.objects.get()
        assert first.entry == ada and first.start == local_time(3, 10)

        lapse_open_offers(run_after_commit)

        second = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
        assert (second.entry, second.start) == (bo, local_time(3, 10))
        ada.refresh_from_db()
        assert ada.status == EntryStatus.WAITING and ada.queued_at > bo.queued_at

    def test_a_declined_offer_goes_to_the_next_in_line_at_once(
        self, clinic, pair, run_after_commit
    ):
        ada = join(run_after_commit, clinic, pair, ADA)
        bo = join(run_after_commit, clinic, pair, BO)
        mail.outbox.clear()
        run_after_commit(offer_decline, offer=WaitlistOffer.objects.get(entry=ada))

        assert WaitlistOffer.objects.get(entry=ada).status == OfferStatus.DECLINED
        offer = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
        assert (offer.entry, offer.start) == (bo, local_time(3, 10))
        assert [m for m in mails_to("bo@example.com") if "free for you" in m.subject]
        ada.refresh_from_db()
        assert ada.status == EntryStatus.WAITING  # still on the list, at the back
        # The declined time is never offered to Ada again.
        lapse_open_offers(run_after_commit)
        assert not WaitlistOffer.objects.filter(
            entry=ada, start=local_time(3, 10), status=OfferStatus.OPEN
        ).exists()

    def test_declining_a_closed_offer_is_refused(self, clinic, solo, run_after_commit):
        join(run_after_commit, clinic, solo, ADA)
        offer = WaitlistOffer.objects.get()
        lapse_open_offers(run_after_commit)
        with pytest.raises(WaitlistError) as error:
            offer_decline(offer=offer)
        assert error.value.code == "offer_closed"

    def test_a_person_holds_at_most_one_open_offer_across_entries(
        self, settings, clinic, run_after_commit
    ):
        settings.WAITLIST_MAX_OPEN_PER_EMAIL = 3
        shouting = ClientDetails(name="Ada", email="ADA@example.com", phone=ADA.phone)
        join(run_after_commit, clinic, clinic.therapists[0], ADA)
        join(run_after_commit, clinic, clinic.therapists[1], shouting)
        join(run_after_commit, clinic, None, ADA, days_ahead=4)
        offers_make()
        assert WaitlistOffer.objects.filter(status=OfferStatus.OPEN).count() == 1
        assert WaitlistEntry.objects.filter(status=EntryStatus.WAITING).count() == 2

    def test_offers_do_not_cycle_through_one_person(self, settings, clinic, run_after_commit):
        """Alone on the waitlist with a free day, an unanswered client is not offered every
        quarter hour in turn: after WAITLIST_MAX_UNANSWERED_OFFERS lapses, no more."""
        entry = join(run_after_commit, clinic, clinic.therapists[0], ADA)
        for _ in range(4):
            lapse_open_offers(run_after_commit)
        entry.refresh_from_db()
        assert entry.status == EntryStatus.UNANSWERED
        assert entry.offers.count() == settings.WAITLIST_MAX_UNANSWERED_OFFERS
        assert not WaitlistOffer.objects.filter(status=OfferStatus.OPEN).exists()


def test_erasure_removes_a_pending_entry_and_where_it_came_from(clinic, run_after_commit):
    day = local_time(3, 0).date()
    entry = run_after_commit(
        waitlist_join,
        service=clinic.bar_60,
        therapist=None,
        first_day=day,
        last_day=day,
        client=ADA,
        answers=clear_answers(),
        client_address="203.0.113.7",
    )
    client_erase(email="ADA@example.com", user=UserFactory(is_staff=True, is_superuser=True))
    entry.refresh_from_db()
    assert entry.status == EntryStatus.LEFT and entry.client_address is None
