"""The waitlist pages under attack (issue 11, item 2): throttled joins, the "calendar
blocking" script, the confirmation page and its bad links, and declining an offer."""

import datetime as dt
import re

import pytest
import time_machine
from django.core import mail
from django.core.cache import caches
from django.core.cache.backends.db import DatabaseCache
from django.urls import reverse
from django.utils import timezone

from bookings.schedules import available_slots
from tests.bookings.clinic import local_time
from tests.waitlist.test_waitlist import ADA, BO, TestPages, confirm_token, join, offer_link
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db

JOIN = reverse("waitlist:join")


def join_form(clinic, email: str, *, service=None) -> dict:
    data = TestPages().form(clinic)
    data["contact-email"] = email
    if service is not None:
        data["want-service"] = service.pk
    return data


def test_joins_are_throttled_per_address_in_the_shared_cache(client, settings, clinic):
    assert isinstance(caches["default"], DatabaseCache)  # the cache every server shares
    settings.RATELIMIT_ENABLE = True
    settings.WAITLIST_JOIN_RATE = "3/m"
    statuses = [
        client.post(JOIN, join_form(clinic, f"person{n}@example.com")).status_code for n in range(5)
    ]
    assert statuses == [302, 302, 302, 429, 429]
    assert WaitlistEntry.objects.count() == 3
    assert client.get(JOIN).status_code == 200  # reading the form is not counted


def test_many_joins_cannot_hold_the_days_slots(
    client, settings, clinic, django_capture_on_commit_callbacks
):
    """The attack as found: 40 scripted joins with made-up addresses for one day's floor
    sessions. Now most are refused, none gets an offer, and every slot stays bookable."""
    settings.RATELIMIT_ENABLE = True
    day = local_time(3, 0).date()
    free_before = available_slots(
        service=clinic.floor_60, therapist=None, first_day=day, days=1, now=timezone.now()
    )
    assert len(free_before) > 5
    with django_capture_on_commit_callbacks(execute=True):  # mails and offers, as the worker
        statuses = [
            client.post(
                JOIN, join_form(clinic, f"victim{n}@example.com", service=clinic.floor_60)
            ).status_code
            for n in range(40)
        ]
    accepted = statuses.count(302)
    assert accepted <= 5  # WAITLIST_JOIN_RATE and WAITLIST_MAX_OPEN_PER_ADDRESS, both 5
    assert set(statuses[accepted:]) <= {400, 429}
    assert len(mail.outbox) == accepted  # one confirmation each, to nobody else
    assert not WaitlistOffer.objects.exists()
    free_after = available_slots(
        service=clinic.floor_60, therapist=None, first_day=day, days=1, now=timezone.now()
    )
    assert free_after == free_before


def test_over_the_cap_the_join_page_says_so_and_sends_nothing(client, settings, clinic):
    settings.WAITLIST_MAX_OPEN_PER_EMAIL = 1
    assert client.post(JOIN, join_form(clinic, "ada@example.com")).status_code == 302
    mail.outbox.clear()
    page = client.post(JOIN, join_form(clinic, "Ada@Example.com"))
    assert page.status_code == 400
    assert "already has 1 open places" in page.content.decode()
    assert mail.outbox == [] and WaitlistEntry.objects.count() == 1


def test_the_thanks_page_asks_to_confirm(client, clinic):
    response = client.post(JOIN, join_form(clinic, "ada@example.com"), follow=True)
    assert "Check your inbox to confirm" in response.content.decode()


class TestConfirmPage:
    @pytest.fixture
    def link(self, clinic, run_after_commit):
        join(run_after_commit, clinic, clinic.therapists[0], ADA, confirm=False)
        pk, token = confirm_token("ada@example.com")
        return reverse("waitlist:confirm", args=[pk, token])

    def test_opening_the_link_shows_what_is_confirmed_and_changes_nothing(
        self, client, link, django_assert_num_queries
    ):
        # One query: the entry with its service and therapist (no session, no cache:
        # rate limits are off in tests).
        with django_assert_num_queries(1):
            page = client.get(link)
        text = page.content.decode()
        assert page.status_code == 200 and "Confirm my place" in text and "This was not me" in text
        assert page["Cache-Control"].startswith("max-age=0")
        assert WaitlistEntry.objects.get().status == EntryStatus.PENDING

    def test_confirming_says_so_and_makes_the_offer(self, client, link, run_after_commit):
        page = run_after_commit(client.post, link)
        assert page.status_code == 200
        assert "Confirmed: you are on the waitlist" in page.content.decode()
        assert WaitlistEntry.objects.get().status == EntryStatus.OFFERED
        assert WaitlistOffer.objects.filter(status=OfferStatus.OPEN).count() == 1

    def test_a_reused_link_is_410_and_says_it_was_used(self, client, link):
        client.post(link)
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 410
            assert "already been used" in response.content.decode()

    def test_an_expired_link_is_410_and_says_to_join_again(self, client, settings, link):
        later = timezone.now() + dt.timedelta(hours=settings.WAITLIST_CONFIRM_HOURS, minutes=1)
        with time_machine.travel(later, tick=False):
            response = client.post(link)
        assert response.status_code == 410
        assert "This link has expired" in response.content.decode()
        assert WaitlistEntry.objects.get().status == EntryStatus.PENDING

    def test_a_wrong_token_or_entry_is_404(self, client, clinic, link, run_after_commit):
        join(run_after_commit, clinic, None, BO, confirm=False)
        pk, bo_token = confirm_token("bo@example.com")
        ada_pk = int(re.search(r"confirm/([0-9]+)/", link).group(1))
        for url in (
            reverse("waitlist:confirm", args=[ada_pk, "x" * 43]),
            reverse("waitlist:confirm", args=[ada_pk, bo_token]),  # another client's link
            reverse("waitlist:confirm", args=[999999, bo_token]),
        ):
            assert client.get(url).status_code == 404
            response = client.post(url)
            assert response.status_code == 404
            assert "This link is not valid" in response.content.decode()
        assert not WaitlistEntry.objects.exclude(status=EntryStatus.PENDING).exists()

    def test_this_was_not_me_removes_the_entry(self, client, link):
        page = client.post(link, {"action": "refuse"})
        assert page.status_code == 200 and "Removed" in page.content.decode()
        assert WaitlistEntry.objects.get().status == EntryStatus.LEFT
        assert not WaitlistOffer.objects.exists()


def test_declining_on_the_offer_page_passes_the_time_on(client, clinic, pair, run_after_commit):
    join(run_after_commit, clinic, pair, ADA)
    join(run_after_commit, clinic, pair, BO)
    link = offer_link("ada@example.com")
    assert "Decline this offer" in client.get(link).content.decode()
    mail.outbox.clear()
    response = run_after_commit(client.post, link, {"action": "decline"})
    assert response.status_code == 302 and link.endswith(response["Location"])
    page = client.get(link).content.decode()
    assert "You declined this time" in page and "Book this time" not in page
    offer = WaitlistOffer.objects.get(status=OfferStatus.OPEN)
    assert offer.entry.email == "bo@example.com"
    # Declining again, or accepting after declining, changes nothing.
    assert client.post(link, {"action": "decline"}).status_code == 409
    assert client.post(link).status_code == 409
