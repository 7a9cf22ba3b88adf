"""The waitlist's part of erasure, export and retention (issue #11 item 7), reached through
`bookings.privacy`'s signals: bookings never imports the waitlist."""

import datetime as dt

import pytest
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.utils import timezone

from bookings.privacy import client_erase, client_export, retention_purge
from bookings.services import ClientDetails
from outbox.models import Email, EmailStatus
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db

ADA = ClientDetails(name="Ada Waiting", email="ada@example.com", phone="+1 212 555 0101")
BO = ClientDetails(name="Bo Waiting", email="bo@example.com", phone="+1 212 555 0102")


def join(run, clinic, therapist, client, **kwargs):
    """Join and confirm the address, as the waitlist tests do."""
    from tests.waitlist.test_waitlist import join as join_and_confirm

    return join_and_confirm(run, clinic, therapist, client, **kwargs)


def _log(obj, user) -> LogEntry:
    return LogEntry.objects.create(
        user=user,
        content_type=ContentType.objects.get_for_model(obj),
        object_id=str(obj.pk),
        object_repr=str(obj),
        action_flag=CHANGE,
        change_message="Ada asked to move",
    )


def test_erasure_releases_the_held_slot_to_the_next_person_and_blanks_the_entry(
    clinic, solo, run_after_commit, manager
):
    ada = join(run_after_commit, clinic, solo, ADA, other_conditions="SECRET asthma")
    offer = WaitlistOffer.objects.get(entry=ada, status=OfferStatus.OPEN)
    bo = join(run_after_commit, clinic, solo, BO)
    assert not WaitlistOffer.objects.filter(entry=bo).exists()  # the one slot is held for Ada
    logs = [_log(ada, manager), _log(offer, manager)]

    run_after_commit(client_erase, email="ADA@example.com", user=manager)

    offer.refresh_from_db()
    ada.refresh_from_db()
    assert offer.status == OfferStatus.WITHDRAWN
    assert ada.status == EntryStatus.LEFT and ada.answers == {}
    assert "ada" not in (ada.name + ada.email + ada.phone).lower().replace("invalid", "")
    # The freed time went to the next person in line, after the erasure committed.
    assert WaitlistOffer.objects.get(entry=bo, status=OfferStatus.OPEN).start == offer.start
    for log in logs:
        log.refresh_from_db()
        assert "Ada" not in log.object_repr and log.change_message == ""
    # What the outbox kept of the mails to Ada (joined, offer) is gone; Bo's stay.
    ada_mails = Email.objects.filter(kind__startswith="waitlist").exclude(
        recipients__icontains="bo@"
    )
    assert ada_mails.count() >= 2
    assert set(ada_mails.values_list("recipients", "subject", "secret")) == {("", "", "")}
    assert Email.objects.filter(recipients="bo@example.com").exists()


def test_erasure_before_the_offer_mail_is_sent_sends_nothing(clinic, solo, manager):
    # Without running after-commit work, the joined mail is still waiting in the outbox.
    join(lambda action, **kwargs: action(**kwargs), clinic, solo, ADA, confirm=False)
    assert Email.objects.filter(status=EmailStatus.PENDING).exists()
    client_erase(email="ada@example.com", user=manager)
    assert not Email.objects.filter(status=EmailStatus.PENDING).exists()


def test_the_export_includes_the_waitlist_entries(clinic, solo, run_after_commit, manager):
    join(run_after_commit, clinic, solo, ADA, other_conditions="SECRET asthma")
    data = client_export(email="Ada@Example.com", user=manager)
    (entry,) = data["waitlist_entries"]
    assert entry["answers"]["other_conditions"] == "SECRET asthma"
    assert (entry["name"], entry["email"], entry["status"]) == (ADA.name, ADA.email, "offered")
    assert entry["offers"][0]["status"] == "open"


def test_retention_purges_waitlist_entries_whose_dates_passed_long_ago(
    clinic, solo, run_after_commit
):
    recent = join(run_after_commit, clinic, solo, BO, days_ahead=5)
    old = WaitlistEntry.objects.create(
        service=clinic.bar_60,
        first_day=dt.date(2017, 1, 2),
        last_day=dt.date(2017, 1, 9),
        name="Old Waiter",
        email="old@example.com",
        phone="+1 212 555 0199",
        answers={"other_conditions": "SECRET old"},
        status=EntryStatus.ENDED,
    )
    mail.outbox.clear()
    counts = retention_purge(years=7, now=timezone.now())
    assert counts["waitlist entries"] == 1
    old.refresh_from_db()
    recent.refresh_from_db()
    assert old.answers == {} and old.phone == "" and "old@" not in old.email
    assert recent.answers != {} and recent.email == BO.email
