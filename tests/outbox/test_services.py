"""The e-mail outbox: sent once after commit, failures logged and retried with backoff."""

import datetime as dt
import logging

import pytest
from django.core import mail
from django.core.mail import EmailMessage
from django.db import transaction
from django.utils import timezone

from outbox.models import Email, EmailStatus
from outbox.services import (
    email_deliver,
    email_queue,
    email_retry_now,
    emails_deliver_due,
    open_secret,
    seal_secret,
)
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
        now = timezone.now()
        with caplog.at_level(logging.WARNING, logger="outbox.services"):
            assert email_deliver(email.pk, now=now) == EmailStatus.PENDING
        email.refresh_from_db()
        assert email.attempts == 1 and "SMTPServerDisconnected" in email.last_error
        assert email.next_attempt_at == now + dt.timedelta(minutes=1)
        assert open_secret(email.secret) == "s3cret"  # still needed for the retry
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
