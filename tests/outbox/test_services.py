"""The e-mail outbox: sent once after commit, failures logged and retried with backoff."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from outbox.models import Email, EmailStatus
from outbox.services import email_deliver, email_queue, email_retry_now, emails_deliver_due
from tests.outbox.backends import BROKEN, LOCMEM

pytestmark = pytest.mark.django_db


def hello(params, *, secret=""):
    return EmailMessage(subject=f"Hello {params['name']}", body=f"token={secret}", to=["a@b.c"])


def nothing(params, *, secret=""):
    return None


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

    def test_a_message_no_longer_needed_is_skipped(self):
        email = queue(builder=nothing)
        assert email_deliver(email.pk) == EmailStatus.SKIPPED
        assert mail.outbox == []

    def test_an_e_mail_is_sent_once(self):
        email = queue()
        assert email_deliver(email.pk) == EmailStatus.SENT
        assert email_deliver(email.pk) is None
        assert emails_deliver_due() == 0
        assert len(mail.outbox) == 1


class TestRetry:
    def test_a_failure_is_logged_kept_and_retried_later(self, settings, caplog):
        email = queue()
        settings.MAILERS = BROKEN
        now = timezone.now()
        with caplog.at_level(logging.WARNING, logger="outbox.services"):
            assert email_deliver(email.pk, now=now) == EmailStatus.PENDING
        email.refresh_from_db()
        assert email.attempts == 1 and "SMTPServerDisconnected" in email.last_error
        assert email.next_attempt_at == now + dt.timedelta(minutes=1)
        assert email.secret == "s3cret"  # still needed for the retry
        assert "failed (attempt 1)" in caplog.text and "mail server down" in caplog.text
        # Not due yet: nothing happens; due and the server is back: sent.
        assert emails_deliver_due(now=now + dt.timedelta(seconds=30)) == 0
        settings.MAILERS = LOCMEM  # the server is back
        assert emails_deliver_due(now=now + dt.timedelta(minutes=1)) == 1
        assert mail.outbox[0].body == "token=s3cret"
        email.refresh_from_db()
        assert email.status == EmailStatus.SENT and email.last_error == ""

    def test_the_delays_grow_and_it_gives_up_with_an_error_logged(self, settings, caplog):
        settings.MAILERS = BROKEN
        settings.OUTBOX_RETRY_MINUTES = [1, 5]
        email = queue()
        now = timezone.now()
        email_deliver(email.pk, now=now)
        email.refresh_from_db()
        assert email.next_attempt_at == now + dt.timedelta(minutes=1)
        now += dt.timedelta(minutes=1)
        email_deliver(email.pk, now=now)
        email.refresh_from_db()
        assert email.next_attempt_at == now + dt.timedelta(minutes=5)
        with caplog.at_level(logging.ERROR, logger="outbox.services"):
            assert email_deliver(email.pk, now=now + dt.timedelta(minutes=5)) == EmailStatus.FAILED
        assert "Gave up on hello e-mail" in caplog.text
        email.refresh_from_db()
        assert email.attempts == 3 and email.status == EmailStatus.FAILED
        # Staff fix the server and send it again from the admin.
        settings.MAILERS = LOCMEM
        email_retry_now(email=email)
        assert emails_deliver_due(now=timezone.now() + dt.timedelta(seconds=1)) == 1

    def test_a_builder_error_is_retried_like_a_mail_server_error(self):
        email = email_queue(kind="hello", builder=hello, params={})  # KeyError: 'name'
        assert email_deliver(email.pk) == EmailStatus.PENDING
        email.refresh_from_db()
        assert email.last_error.startswith("KeyError")
