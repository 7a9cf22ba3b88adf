"""The e-mail outbox: sent once after commit, failures logged and retried with backoff and
jitter, moot messages kept with their reason, dead letters alerted and sendable again."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from outbox.dead_letters import ALERT
from outbox.models import Email, EmailStatus
from outbox.services import (
    Moot,
    email_deliver,
    email_queue,
    email_send_again,
    emails_deliver_due,
    open_secret,
    retry_delay,
    seal_secret,
)
from tests.outbox.backends import BROKEN, LOCMEM

pytestmark = pytest.mark.django_db


def hello(params, *, secret=""):
    return EmailMessage(subject=f"Hello {params['name']}", body=f"token={secret}", to=["a@b.c"])


def nothing(params, *, secret=""):
    return None


def cancelled(params, *, secret=""):
    raise Moot("The session was cancelled.")


def queue(builder=hello, link="s3cret"):
    return email_queue(kind="hello", builder=builder, params={"name": "Ada"}, secret=link)


class TestQueue:
    def test_it_is_sent_after_commit_and_the_secret_is_wiped(
        self, django_capture_on_commit_callbacks
    ):
        with django_capture_on_commit_callbacks(execute=True):
            email = queue()
            assert mail.outbox == []  # nothing before commit
        (message,) = mail.outbox
        assert message.subject == "Hello Ada" and message.body == "token=s3cret"
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT and email.secret == ""
        assert email.recipients == "a@b.c" and email.subject == "Hello Ada"

    def test_a_rolled_back_transaction_leaves_no_e_mail(self, django_capture_on_commit_callbacks):
        with django_capture_on_commit_callbacks(execute=True) as callbacks:
            try:
                with transaction.atomic():
                    queue()
                    raise RuntimeError("booking failed")
            except RuntimeError:
                pass
        assert callbacks == [] and not Email.objects.exists() and mail.outbox == []

    def test_builders_must_be_importable(self):
        with pytest.raises(ValueError, match="importable"):
            email_queue(kind="x", builder=lambda params, secret="": None, params={})

    def test_a_message_no_longer_needed_is_moot_with_the_reason(self):
        email = queue(builder=nothing)
        assert email_deliver(email.pk) == EmailStatus.MOOT
        email.refresh_from_db()
        assert email.reason == "The message was no longer needed when it was due."
        assert email.secret == ""
        told = queue(builder=cancelled)
        assert email_deliver(told.pk) == EmailStatus.MOOT
        told.refresh_from_db()
        assert told.reason == "The session was cancelled."
        assert mail.outbox == []

    def test_after_its_moment_it_is_moot_however_long_the_server_was_down(self, settings):
        settings.MAILERS = BROKEN
        start = timezone.now() + dt.timedelta(hours=1)
        email = email_queue(kind="hello", builder=hello, params={"name": "Ada"}, moot_after=start)
        assert email_deliver(email.pk) == EmailStatus.PENDING
        settings.MAILERS = LOCMEM
        assert email_deliver(email.pk, now=start) == EmailStatus.MOOT
        email.refresh_from_db()
        assert "passed" in email.reason and mail.outbox == []

    def test_every_try_carries_the_same_message_id(self, settings):
        settings.MAILERS = BROKEN
        email = queue()
        email_deliver(email.pk)
        settings.MAILERS = LOCMEM
        email_deliver(email.pk, now=timezone.now() + dt.timedelta(hours=1))
        (message,) = mail.outbox
        assert (
            message.message()["Message-ID"]
            == f"<outbox.{email.pk}.{email.created_at:%Y%m%d%H%M%S}@example.com>"
        )

    def test_a_claimed_e_mail_is_not_sent_by_a_second_worker_until_the_claim_lapses(self, settings):
        email = queue()
        now = timezone.now()
        # A worker claimed it and was killed before it could report.
        Email.objects.filter(pk=email.pk).update(
            status=EmailStatus.SENDING,
            claim="dead-worker",
            claimed_until=now + dt.timedelta(minutes=2),
            attempts=1,
        )
        assert email_deliver(email.pk, now=now) is None
        assert emails_deliver_due(now=now) == 0
        later = now + dt.timedelta(minutes=3)
        assert email_deliver(email.pk, now=later) == EmailStatus.SENT
        email.refresh_from_db()
        assert email.attempts == 2 and email.claim == "" and len(mail.outbox) == 1

    def test_an_e_mail_is_sent_once(self):
        email = queue()
        assert email_deliver(email.pk) == EmailStatus.SENT
        assert email_deliver(email.pk) is None
        assert emails_deliver_due() == 0
        assert len(mail.outbox) == 1


class TestSealedSecret:
    """Issue #11 item 1: the link token waiting in the outbox is not readable from the
    table (admin pages, a dump, a backup); only the worker, with SECRET_KEY, opens it."""

    def test_the_link_secret_is_stored_sealed_and_sent_in_clear(self):
        token = "Zk3-manage-link-token-of-43-characters-xyz"
        email = queue(link=token)
        email.refresh_from_db()
        assert email.secret.startswith("s1:") and token not in email.secret
        assert token[:6] not in email.secret
        assert seal_secret(token) != seal_secret(token)  # a fresh nonce each time
        assert email_deliver(email.pk) == EmailStatus.SENT
        assert mail.outbox[0].body == f"token={token}"

    def test_a_secret_sealed_before_a_key_rotation_still_opens(self, settings):
        sealed = seal_secret("s3cret")
        old_key = settings.SECRET_KEY
        settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "a-new-key-" + "x" * 40, [old_key]
        assert open_secret(sealed) == "s3cret"
        settings.SECRET_KEY_FALLBACKS = []
        with pytest.raises(ValueError, match="no longer in use"):
            open_secret(sealed)

    def test_rows_queued_before_sealing_still_send(self):
        assert open_secret("plain-old-token") == "plain-old-token"
        assert seal_secret("") == "" and open_secret("") == ""


class TestRetry:
    def test_a_failure_is_logged_kept_and_retried_later(self, settings, caplog):
        email = queue()
        settings.MAILERS = BROKEN
        settings.OUTBOX_RETRY_BASE_SECONDS = 60
        now = timezone.now()
        with caplog.at_level(logging.WARNING, logger="outbox.services"):
            assert email_deliver(email.pk, now=now) == EmailStatus.PENDING
        email.refresh_from_db()
        assert email.attempts == 1 and "SMTPServerDisconnected" in email.last_error
        assert (
            now + dt.timedelta(seconds=30) <= email.next_attempt_at <= now + dt.timedelta(minutes=1)
        )
        assert open_secret(email.secret) == "s3cret"  # still needed for the retry
        assert "failed (attempt 1)" in caplog.text and "mail server down" in caplog.text
        # Not due yet: nothing happens; due and the server is back: sent.
        assert emails_deliver_due(now=now + dt.timedelta(seconds=29)) == 0
        settings.MAILERS = LOCMEM  # the server is back
        assert emails_deliver_due(now=now + dt.timedelta(minutes=1)) == 1
        assert mail.outbox[0].body == "token=s3cret"
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT and email.last_error == ""

    def test_the_delays_double_up_to_the_ceiling_with_jitter(self, settings):
        settings.OUTBOX_RETRY_BASE_SECONDS = 60
        settings.OUTBOX_RETRY_MAX_SECONDS = 600
        for attempt, ceiling in [(1, 60), (2, 120), (3, 240), (4, 480), (5, 600), (40, 600)]:
            delays = {retry_delay(attempt).total_seconds() for _ in range(50)}
            assert all(ceiling / 2 <= d <= ceiling for d in delays), (attempt, delays)
            assert len(delays) > 1  # jittered: a backlog does not retry in one second

    def test_after_the_last_try_it_is_a_dead_letter_and_staff_are_alerted(
        self, settings, caplog, front_desk, manager
    ):
        settings.MAILERS = BROKEN
        settings.OUTBOX_MAX_ATTEMPTS = 3
        email = queue()
        now = timezone.now()
        for _ in range(2):
            assert email_deliver(email.pk, now=now) == EmailStatus.PENDING
            now += dt.timedelta(hours=1)
        with caplog.at_level(logging.ERROR, logger="outbox.services"):
            assert email_deliver(email.pk, now=now) == EmailStatus.DEAD
        assert "Gave up on hello e-mail" in caplog.text
        email.refresh_from_db()
        assert email.attempts == 3 and email.status == EmailStatus.DEAD
        assert email.reason == "Gave up after 3 tries." and "mail server down" in email.last_error
        # One alert for the period, however many letters die in it.
        second = queue()
        Email.objects.filter(pk=second.pk).update(attempts=2)
        assert email_deliver(second.pk, now=now) == EmailStatus.DEAD
        (alert,) = Email.objects.filter(kind=ALERT)
        # Staff fix the server; the alert goes out, then they send the letters again.
        settings.MAILERS = LOCMEM
        assert email_deliver(alert.pk) == EmailStatus.SENT
        (message,) = mail.outbox
        assert sorted(message.to) == sorted(
            {settings.CLINIC_EMAIL, front_desk.email, manager.email}
        )
        assert "2 e-mail(s) could not be sent" in message.body and "hello: 2" in message.body
        assert "/admin/outbox/email/?status__exact=dead" in message.body
        assert email_send_again(email=email) is True
        assert emails_deliver_due() == 1
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT and mail.outbox[-1].body == "token=s3cret"
        assert email_send_again(email=email) is False  # never twice

    def test_an_alert_that_finds_nothing_dead_any_more_is_moot(self, settings):
        settings.MAILERS = BROKEN
        settings.OUTBOX_MAX_ATTEMPTS = 1
        email = queue()
        assert email_deliver(email.pk) == EmailStatus.DEAD
        settings.MAILERS = LOCMEM
        email_send_again(email=email)
        (alert,) = Email.objects.filter(kind=ALERT)
        assert email_deliver(alert.pk) == EmailStatus.MOOT

    def test_a_builder_error_is_retried_like_a_mail_server_error(self):
        email = email_queue(kind="hello", builder=hello, params={})  # KeyError: 'name'
        assert email_deliver(email.pk) == EmailStatus.PENDING
        email.refresh_from_db()
        assert email.last_error.startswith("KeyError")
