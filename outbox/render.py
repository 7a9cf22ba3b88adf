"""The general e-mail renderer: any app's message from `templates/emails/<name>.txt` and
`.html`, with the clinic's name and contact details in every context.

It knows nothing of bookings: the apps above pass what their message needs. Keeping it here,
beside the queue, lets every app (bookings, waitlist, the weekly digest) send mail without
importing each other.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string


def clinic_context() -> dict[str, str]:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
        "site_url": settings.SITE_URL,
    }


def render_message(
    template: str, context: dict[str, Any], *, subject: str, to: list[str]
) -> EmailMultiAlternatives:
    """An e-mail from `emails/<template>.txt` with `emails/<template>.html` as HTML part."""
    context = {**clinic_context(), **context}
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"emails/{template}.txt", context),
        to=to,
        reply_to=[settings.CLINIC_EMAIL],
    )
    message.attach_alternative(render_to_string(f"emails/{template}.html", context), "text/html")
    return message
