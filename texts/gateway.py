"""Talking to Twilio: the only module that does, through the `twilio` library's Client.

`TWILIO_API_BASE` replaces the API's address (tests: a Twilio-compatible server on
127.0.0.1); everything else, the request's form, its authentication, the error codes, is
the library's. A text is a message object with `send()` so the outbox delivers it exactly
as it delivers an e-mail (claimed, retried with backoff, dead-lettered).
"""

import dataclasses
import logging

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from outbox.services import Moot

# Twilio errors that no retry will fix: the number is not one (21211, 21614: not a mobile),
# the client unsubscribed (21610), the carrier refuses it for good (30003-30006 arrive as
# delivery statuses). Such a number stops being texted, with the reason kept for staff.
PERMANENT = {
    "21211": "Not a valid phone number (Twilio 21211).",
    "21214": "The number cannot be reached (Twilio 21214).",
    "21408": "Texts to this country are not enabled (Twilio 21408).",
    "21610": "The client unsubscribed from texts with the carrier (Twilio 21610).",
    "21612": "Twilio cannot text this number (Twilio 21612).",
    "21614": "Not a mobile number (Twilio 21614).",
    "30003": "The phone is unreachable (Twilio 30003).",
    "30004": "The message was blocked (Twilio 30004).",
    "30005": "Unknown number: it may not exist (Twilio 30005).",
    "30006": "A landline or unreachable carrier (Twilio 30006).",
}
TIMEOUT_SECONDS = 10
# The library logs every request's headers at INFO; its warnings and errors still show.
logging.getLogger("twilio.http_client").setLevel(logging.WARNING)


def client() -> Client:
    twilio = Client(
        settings.TWILIO_ACCOUNT_SID,
        settings.TWILIO_AUTH_TOKEN,
        http_client=TwilioHttpClient(timeout=TIMEOUT_SECONDS),
    )
    twilio.api.base_url = settings.TWILIO_API_BASE
    return twilio


def callback_url(name: str) -> str:
    return f"{settings.SITE_URL}{reverse(name)}"


class PermanentFailure(Moot):
    """Twilio refused the number for good; the text is moot and the number blocked."""

    def __init__(self, code: str, message: str):
        super().__init__(PERMANENT.get(code, message))
        self.code = code


@dataclasses.dataclass
class TextMessage:
    """One text, shaped like an outbox e-mail (`to`, `subject`, `send()`), so the outbox's
    delivery records it the same way: recipients = the number, subject = the body."""

    text_id: int
    to: list[str]
    body: str
    extra_headers: dict = dataclasses.field(default_factory=dict)

    @property
    def subject(self) -> str:
        return f"SMS: {self.body}"

    def send(self) -> int:
        from texts import records  # the text's own row; records imports this module

        if records.already_sent(self.text_id):
            return 1  # a previous try reached Twilio; its outcome was not recorded
        sender = settings.TWILIO_FROM
        who = {"messaging_service_sid": sender} if sender.startswith("MG") else {"from_": sender}
        try:
            message = client().messages.create(
                to=self.to[0],
                body=self.body,
                status_callback=f"{callback_url('texts:status')}?t={self.text_id}",
                **who,
            )
        except TwilioRestException as error:
            code = str(error.code or "")
            if code in PERMANENT:
                records.number_failed(self.to[0], code, PERMANENT[code], timezone.now())
                raise PermanentFailure(code, str(error.msg)) from error
            raise
        records.mark_sent(self.text_id, sid=message.sid, status=message.status or "queued")
        return 1
