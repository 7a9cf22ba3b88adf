"""An outbox builder for the fault tests (importable, as every builder must be)."""

from django.core.mail import EmailMessage


def note(params, *, secret=""):
    n = params["n"]
    return EmailMessage(subject=f"Fault note {n}", body=f"Note {n}.", to=[f"client{n}@example.com"])
