"""Receipts: an HTML e-mail (with a plain-text part) and the same receipt as a PDF.

One receipt per payment, and one per refund of it. The e-mail goes through the outbox (so it
exists exactly when the payment does, and is retried if the mail server fails); the PDF is
rendered by WeasyPrint from `templates/payments/receipt_pdf.html`, attached to the e-mail and
downloadable by staff. A package or gift-card code travels in the outbox's secret field, is
shown in that one e-mail, and is never stored in clear.
"""

from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext

from outbox.render import clinic_context, render_message
from outbox.services import email_queue
from payments.models import Payment

RECEIPT = "receipt"


def receipt_number(payment, refund_cents: int = 0) -> str:
    return f"R-{payment.pk:06d}" + ("-REFUND" if refund_cents else "")


def receipt_context(payment, *, refund_cents: int = 0, code: str = "") -> dict[str, Any]:
    appointment = payment.appointment
    return {
        **clinic_context(),
        "payment": payment,
        "appointment": appointment,
        "number": receipt_number(payment, refund_cents),
        "is_refund": bool(refund_cents),
        "amount_cents": refund_cents or payment.amount_cents,
        "issued_at": timezone.localtime(timezone.now()),
        "paid_at": timezone.localtime(payment.succeeded_at or payment.created_at),
        "code": code,
        "currency": settings.PAYMENTS_CURRENCY.upper(),
    }


def receipt_pdf(payment, *, refund_cents: int = 0) -> bytes:
    from weasyprint import HTML  # imported on use: loading Pango costs ~0.3 s

    html = render_to_string(
        "payments/receipt_pdf.html", receipt_context(payment, refund_cents=refund_cents)
    )
    return HTML(string=html, base_url=str(settings.BASE_DIR)).write_pdf()


def _english_pdf(payment, *, refund_cents: int) -> bytes:
    with translation.override(settings.LANGUAGE_CODE):
        return receipt_pdf(payment, refund_cents=refund_cents)


def queue_receipt(payment, *, refund_cents: int = 0, code: str = "") -> None:
    """E-mail the payer a receipt once the surrounding transaction commits."""
    if not payment.payer_email:
        return
    email_queue(
        kind=RECEIPT,
        builder=receipt_email,
        params={"payment": payment.pk, "refund_cents": refund_cents},
        secret=code,
    )


def receipt_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives:
    payment = Payment.objects.select_related("appointment__service", "appointment__client").get(
        pk=params["payment"]
    )
    refund_cents = params.get("refund_cents", 0)
    context = receipt_context(payment, refund_cents=refund_cents, code=secret)
    # The e-mail reads in the language of the booking it pays for (a desk sale: the one it
    # was queued in); the PDF itself stays English, the clinic's accounting language.
    language = payment.appointment.language if payment.appointment_id else None
    with translation.override(language or translation.get_language()):
        subject = (
            gettext("Refund receipt %(number)s from %(clinic)s")
            if refund_cents
            else gettext("Your receipt %(number)s from %(clinic)s")
        ) % {"number": context["number"], "clinic": settings.CLINIC_NAME}
        message = render_message(RECEIPT, context, subject=subject, to=[payment.payer_email])
    message.attach(
        f"{context['number']}.pdf",
        _english_pdf(payment, refund_cents=refund_cents),
        "application/pdf",
    )
    return message
