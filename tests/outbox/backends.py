"""Mail backends for tests: one whose server is down, one that is slow (to make two workers
overlap for real)."""

import smtplib
import time

from django.core.mail.backends.base import BaseEmailBackend
from django.core.mail.backends.locmem import EmailBackend as LocmemBackend


class BrokenBackend(BaseEmailBackend):
    def send_messages(self, messages):
        raise smtplib.SMTPServerDisconnected("mail server down")


class SlowBackend(LocmemBackend):
    def send_messages(self, messages):
        time.sleep(0.05)
        return super().send_messages(messages)


BROKEN = {"default": {"BACKEND": "tests.outbox.backends.BrokenBackend"}}
SLOW = {"default": {"BACKEND": "tests.outbox.backends.SlowBackend"}}
LOCMEM = {"default": {"BACKEND": "django.core.mail.backends.locmem.EmailBackend"}}
