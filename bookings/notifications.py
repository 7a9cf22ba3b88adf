"""E-mails to clients about their booking: what is booked, what happens next, what changed.

Messages are rendered from `templates/emails/<kind>.txt` and `.html` (an HTML part with a
plain-text alternative) and go out through a background task queued only after the booking
transaction commits, so a mail server problem never undoes a booking and a rolled-back
booking never sends a mail.
"""

from functools import partial

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from bookings.ics import appointment_calendar
from bookings.models import Appointment

CONFIRMED = "confirmed"
PENDING_REVIEW = "pending_review"
CANCELLED = "cancelled"
RESCHEDULED = "rescheduled"
APPROVED = "approved"
REVIEW_DECLINED = "review_declined"

SUBJECTS = {
    CONFIRMED: "Your Ashiatsu session is booked ({reference})",
    PENDING_REVIEW: "We have your booking request ({reference}): a quick review first",
    CANCELLED: "Your Ashiatsu session is cancelled ({reference})",
    RESCHEDULED: "Your Ashiatsu session has moved ({reference})",
    APPROVED: "Good news: your Ashiatsu session is confirmed ({reference})",
    REVIEW_DECLINED: "About your Ashiatsu booking request ({reference})",
}
WITH_CALENDAR = {CONFIRMED, RESCHEDULED, CANCELLED, APPROVED}


def manage_url(appointment: Appointment, token: str) -> str:
    if not token:
        return ""
    return settings.SITE_URL + reverse("bookings:manage", args=[appointment.reference, token])


def _review_note(appointment: Appointment) -> str:
    """The reviewer's note to the client, from the appointment's latest review event."""
    event = appointment.events.filter(details__has_key="review").order_by("-at", "-id").first()
    return (event.details.get("note") or "") if event else ""


def build_message(
    appointment: Appointment, kind: str, *, token: str = ""
) -> EmailMultiAlternatives:
    link = manage_url(appointment, token)
    context = {
        "appointment": appointment,
        "review_note": _review_note(appointment) if kind in (APPROVED, REVIEW_DECLINED) else "",
        "manage_url": link,
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
    }
    message = EmailMultiAlternatives(
        subject=SUBJECTS[kind].format(reference=appointment.reference),
        body=render_to_string(f"emails/{kind}.txt", context),
        to=[appointment.client.email],
        reply_to=[settings.CLINIC_EMAIL],
    )
    message.attach_alternative(render_to_string(f"emails/{kind}.html", context), "text/html")
    if kind in WITH_CALENDAR:
        message.attach(
            f"ashiatsu-{appointment.reference}.ics",
            appointment_calendar(appointment, manage_url=link, cancelled=kind == CANCELLED),
            "text/calendar",
        )
    return message


def send_appointment_email(appointment_id: int, kind: str, token: str = "") -> None:
    appointment = Appointment.objects.select_related(
        "service__style", "therapist", "room", "client", "intake"
    ).get(pk=appointment_id)
    build_message(appointment, kind, token=token).send()


def queue_appointment_email(appointment: Appointment, kind: str, *, token: str = "") -> None:
    """Send after the surrounding transaction commits (immediately if there is none)."""
    from bookings.tasks import send_appointment_email_task

    transaction.on_commit(partial(send_appointment_email_task.enqueue, appointment.pk, kind, token))
