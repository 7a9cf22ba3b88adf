"""The itemised receipt of a checkout: every line of the bill, by e-mail (through the
outbox, in the booking's language, with a PDF made by WeasyPrint) and as a PDF for staff.
When no tip was given, the e-mail offers one (a link for this booking only)."""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext

from checkout.models import Checkout
from checkout.statement import bill_for
from checkout.tips import tip_open
from core.tokens import purpose_token
from outbox.render import clinic_context, render_message
from outbox.services import email_queue

CHECKOUT_RECEIPT = "checkout_receipt"
TIP_PURPOSE = "tip"


def tip_url(appointment) -> str:
    token = purpose_token(TIP_PURPOSE, appointment.reference)
    return settings.SITE_URL.rstrip("/") + reverse(
        "checkout:tip", args=[appointment.reference, token]
    )


def receipt_number(checkout: Checkout) -> str:
    return f"C-{checkout.pk:06d}"


def receipt_context(checkout: Checkout) -> dict[str, Any]:
    appointment = checkout.appointment
    # The bill read again in the language being written (the client's, or English for the
    # PDF); `checkout.lines` keeps the words as they were at the desk, for the record.
    lines = [line.as_dict() for line in bill_for(appointment).lines]
    return {
        **clinic_context(),
        "checkout": checkout,
        "appointment": appointment,
        "number": receipt_number(checkout),
        "lines": lines,
        "total_cents": sum(
            line["cents"] for line in lines if line["added"] and line["kind"] != "payment"
        ),
        "owed_cents": sum(line["cents"] for line in lines if line["added"]),
        "issued_at": timezone.localtime(timezone.now()),
        "closed_at": timezone.localtime(checkout.closed_at) if checkout.closed_at else None,
        "currency": settings.PAYMENTS_CURRENCY.upper(),
        "tip_url": tip_url(appointment) if tip_open(appointment) else "",
    }


def receipt_pdf(checkout: Checkout) -> bytes:
    from weasyprint import HTML  # imported on use: loading Pango is slow

    html = render_to_string("checkout/receipt_pdf.html", receipt_context(checkout))
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def queue_checkout_receipt(checkout: Checkout) -> None:
    """E-mail the client the itemised receipt once the surrounding transaction commits."""
    appointment = checkout.appointment
    if not appointment.client.email:
        return
    email_queue(
        kind=CHECKOUT_RECEIPT,
        builder=checkout_receipt_email,
        params={"checkout": checkout.pk},
        language=appointment.language or "",
    )


def checkout_receipt_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives:
    checkout = Checkout.objects.select_related(
        "appointment__service", "appointment__client", "appointment__therapist"
    ).get(pk=params["checkout"])
    context = receipt_context(checkout)
    subject = gettext("Your receipt %(number)s from %(clinic)s") % {
        "number": context["number"],
        "clinic": settings.CLINIC_NAME,
    }
    message = render_message(
        CHECKOUT_RECEIPT, context, subject=subject, to=[checkout.appointment.client.email]
    )
    with translation.override(settings.LANGUAGE_CODE):
        pdf = receipt_pdf(checkout)
    message.attach(f"{context['number']}.pdf", pdf, "application/pdf")
    return message
