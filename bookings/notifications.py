"""E-mails about bookings: to the client (what is booked, what happens next, what changed,
a reminder before the session) and to the therapist (a new, moved or cancelled session).

Messages are rendered from `templates/emails/<kind>.txt` and `.html` (an HTML part with a
plain-text alternative) by the outbox's general renderer (`outbox.render`). Services call the `queue_*` functions inside their transaction:
that writes a row to the outbox (`outbox.services.email_queue`), so the e-mail exists
exactly when the booking change does; the background worker renders and sends it after
commit, and retries it if the mail server fails. A mail problem never undoes a booking and
a rolled-back booking never sends a mail.
"""

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext

from bookings import clients, flow_steps, wording
from bookings.ics import appointment_calendar
from bookings.models import Appointment, AppointmentStatus
from outbox.render import render_message
from outbox.services import Moot, email_queue
from therapists.clinic_time import clock, wall_time
from therapists.models import Therapist

CONFIRMED = "confirmed"
PENDING_REVIEW = "pending_review"
CANCELLED = "cancelled"
RESCHEDULED = "rescheduled"
APPROVED = "approved"
REVIEW_DECLINED = "review_declined"
REMINDER = "reminder"
AWAITING_DEPOSIT = "awaiting_deposit"
HOLD_EXPIRED = "hold_expired"
# Issue #13: the "has anything changed?" e-mail and what a changed intake led to.
RECONFIRM = "reconfirm"
RECONFIRM_DECLINED = "reconfirm_declined"
RECONFIRM_REVIEW = "reconfirm_review"
RECONFIRM_STAFF = "reconfirm_staff"
# No clearance covers a confirmed session any more (withdrawn, or moved past its end).
CLEARANCE_REVIEW = "clearance_review"

THERAPIST_NEW = "therapist_new"
THERAPIST_MOVED = "therapist_moved"
THERAPIST_CANCELLED = "therapist_cancelled"

# Client subjects are translated (lazily: into the language active when the mail is built,
# the client's own); the therapists' stay English like the rest of the staff side.
SUBJECTS = {
    CONFIRMED: _("Your Ashiatsu session is booked ({reference})"),
    PENDING_REVIEW: _("We have your booking request ({reference}): a quick review first"),
    CANCELLED: _("Your Ashiatsu session is cancelled ({reference})"),
    RESCHEDULED: _("Your Ashiatsu session has moved ({reference})"),
    APPROVED: _("Good news: your Ashiatsu session is confirmed ({reference})"),
    REVIEW_DECLINED: _("About your Ashiatsu booking request ({reference})"),
    REMINDER: _("Reminder: your Ashiatsu session {when} ({reference})"),
    AWAITING_DEPOSIT: _("Your time is held: pay the deposit to confirm ({reference})"),
    HOLD_EXPIRED: _("Your held time was released ({reference})"),
    RECONFIRM: _("Has anything changed before your session {when}? ({reference})"),
    RECONFIRM_DECLINED: _("Your Ashiatsu session is cancelled for your safety ({reference})"),
    RECONFIRM_REVIEW: _("A quick review of your updated answers ({reference})"),
    CLEARANCE_REVIEW: _("Your Ashiatsu session needs a quick review ({reference})"),
    RECONFIRM_STAFF: "Updated intake: {what} ({reference})",  # to the clinic: English
    THERAPIST_NEW: "New session {when}: {service} ({reference})",
    THERAPIST_MOVED: "Session moved to {when} ({reference})",
    THERAPIST_CANCELLED: "Session cancelled: {when} ({reference})",
}
WITH_CALENDAR = {CONFIRMED, RESCHEDULED, CANCELLED, APPROVED, RECONFIRM_DECLINED}
# E-mails that list what the client still has to do before the visit (bookings.flow_steps).
TO_DO = {CONFIRMED, APPROVED}
THERAPIST_KINDS = {THERAPIST_NEW, THERAPIST_MOVED, THERAPIST_CANCELLED}

APPOINTMENT_RELATED = ("service__style", "therapist__user", "room", "client", "intake")


def manage_url(appointment: Appointment, token: str) -> str:
    """The e-mail's manage link; its `proof` tells that the address's mailbox opened it
    (bookings/clients.py: only a proven booking joins the client's record)."""
    if not token:
        return ""
    url = reverse("bookings:manage", args=[appointment.reference, token])
    return f"{settings.SITE_URL}{url}?proof={clients.mailbox_proof(appointment)}"


def _review_note(appointment: Appointment) -> str:
    """The reviewer's note to the client, from the appointment's latest review event.

    An event's details are encrypted at rest, so the review events are picked in Python
    (an appointment has a handful of events)."""
    events = appointment.events.order_by("-at", "-id")
    event = next((e for e in events if "review" in e.details), None)
    return (event.details.get("note") or "") if event else ""


def _when(moment: dt.datetime) -> str:
    """ "Tue 3 Dec 10:00 AM" in the active language (its day names and clock)."""
    local = timezone.localtime(moment)
    day = date_format(local, pgettext("short day in a subject", "D j M"))
    return f"{day} {clock(local)}"


def _staff_when(moment: dt.datetime) -> str:
    """Therapists' subjects: English, 24-hour, like the portal."""
    return f"{timezone.localtime(moment):%a %d %b} {wall_time(moment)}"


def build_message(
    appointment: Appointment, kind: str, *, token: str = ""
) -> EmailMultiAlternatives:
    """The client's e-mail of `kind` about `appointment`, in the language they booked in."""
    with translation.override(appointment.language):
        return _build_message(appointment, kind, token=token)


def _build_message(appointment: Appointment, kind: str, *, token: str) -> EmailMultiAlternatives:
    link = manage_url(appointment, token)
    message = render_message(
        kind,
        {
            "appointment": appointment,
            "review_note": (
                _review_note(appointment) if kind in (APPROVED, REVIEW_DECLINED) else ""
            ),
            "manage_url": link,
            "to_do_links": flow_steps.confirmation_links(appointment) if kind in TO_DO else [],
            "lead_hours": settings.REMINDER_LEAD_HOURS,
            **wording.booking_rules(),
        },
        subject=str(SUBJECTS[kind]).format(
            reference=appointment.reference, when=_when(appointment.start)
        ),
        to=[appointment.client.email],
    )
    if kind in WITH_CALENDAR:
        message.attach(
            f"ashiatsu-{appointment.reference}.ics",
            appointment_calendar(
                appointment, manage_url=link, cancelled=kind in (CANCELLED, RECONFIRM_DECLINED)
            ),
            "text/calendar",
        )
    return message


def build_therapist_message(
    appointment: Appointment,
    kind: str,
    *,
    therapist: Therapist,
    old_start: dt.datetime | None = None,
) -> EmailMultiAlternatives | None:
    """What the therapist needs to plan the session: when, where, who, and the intake flags
    (never the full health answers: those stay behind the portal's permission checks)."""
    email = therapist.user.email if therapist.user_id else ""
    if not email:
        raise Moot(f"Therapist {therapist} has no e-mail address on their login.")
    moment = appointment.start if kind != THERAPIST_CANCELLED or old_start is None else old_start
    with translation.override(settings.LANGUAGE_CODE):  # staff mail stays English
        return _render_therapist_message(appointment, kind, therapist, email, moment, old_start)


def _render_therapist_message(appointment, kind, therapist, email, moment, old_start):
    return render_message(
        "therapist_booking",
        {
            "kind": kind,
            "appointment": appointment,
            "therapist": therapist,
            "old_start": old_start,
            "pending_review": appointment.status == AppointmentStatus.PENDING_REVIEW,
            "portal_url": settings.SITE_URL
            + reverse("therapists:appointment", args=[appointment.reference]),
        },
        subject=SUBJECTS[kind].format(
            reference=appointment.reference,
            when=_staff_when(moment),
            service=appointment.service.name,
        ),
        to=[email],
    )


# --- Outbox builders: run in the worker, at send time -------------------------------------


def appointment_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    appointment = Appointment.objects.select_related(*APPOINTMENT_RELATED).get(
        pk=params["appointment"]
    )
    if params["kind"] == REMINDER:
        if appointment.status != AppointmentStatus.CONFIRMED:
            raise Moot("The session is no longer confirmed.")
        if appointment.start.isoformat() != params["start"]:
            raise Moot("The session moved; the move's own e-mail tells the new time.")
    return build_message(appointment, params["kind"], token=secret)


def therapist_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    appointment = Appointment.objects.select_related(*APPOINTMENT_RELATED).get(
        pk=params["appointment"]
    )
    therapist = Therapist.objects.select_related("user").get(pk=params["therapist"])
    old_start = params.get("old_start")
    return build_therapist_message(
        appointment,
        params["kind"],
        therapist=therapist,
        old_start=dt.datetime.fromisoformat(old_start) if old_start else None,
    )


# --- Called by the services, inside their transaction --------------------------------------


def queue_appointment_email(appointment: Appointment, kind: str, *, token: str = "") -> None:
    """E-mail the client once the surrounding transaction commits."""
    email_queue(
        kind=kind,
        builder=appointment_email,
        params={"appointment": appointment.pk, "kind": kind},
        secret=token,
    )


def queue_reminder_email(appointment: Appointment) -> None:
    email_queue(
        kind=REMINDER,
        builder=appointment_email,
        params={
            "appointment": appointment.pk,
            "kind": REMINDER,
            "start": appointment.start.isoformat(),
        },
        moot_after=appointment.start,  # a reminder after the session has begun is noise
    )


def queue_therapist_email(
    appointment: Appointment,
    kind: str,
    *,
    therapist: Therapist | None = None,
    old_start: dt.datetime | None = None,
) -> None:
    """Tell the therapist (default: the appointment's) about a new, moved or cancelled
    session of theirs."""
    params: dict[str, Any] = {
        "appointment": appointment.pk,
        "kind": kind,
        "therapist": (therapist or appointment.therapist).pk,
    }
    if old_start is not None:
        params["old_start"] = old_start.isoformat()
    email_queue(kind=kind, builder=therapist_email, params=params)


def queue_move_emails(
    appointment: Appointment, *, old_start: dt.datetime, old_therapist: Therapist
) -> None:
    """After a reschedule: the client gets the new time; a therapist who keeps the session
    hears it moved, and on a change of therapist the old one hears it is gone and the new
    one that it is theirs."""
    queue_appointment_email(appointment, RESCHEDULED)
    if old_therapist.pk == appointment.therapist_id:
        queue_therapist_email(appointment, THERAPIST_MOVED, old_start=old_start)
    else:
        queue_therapist_email(
            appointment, THERAPIST_CANCELLED, therapist=old_therapist, old_start=old_start
        )
        queue_therapist_email(appointment, THERAPIST_NEW)


# --- The intake re-confirmation (issue #13) ------------------------------------------------


def reconfirm_url(token: str) -> str:
    return settings.SITE_URL + reverse("bookings:reconfirm", args=[token])


def reconfirm_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives | None:
    """The "has anything changed?" e-mail with its private link; nothing when the session
    was cancelled or moved between the sweep and the send (the move asks again)."""
    appointment = Appointment.objects.select_related(*APPOINTMENT_RELATED).get(
        pk=params["appointment"]
    )
    if not appointment.is_changeable or appointment.start.isoformat() != params["start"]:
        raise Moot("The session was cancelled, moved or can no longer be changed.")
    return render_message(
        RECONFIRM,
        {"appointment": appointment, "reconfirm_url": reconfirm_url(secret)},
        subject=SUBJECTS[RECONFIRM].format(
            reference=appointment.reference, when=_when(appointment.start)
        ),
        to=[appointment.client.email],
    )


def queue_reconfirm_email(appointment: Appointment, *, token: str) -> None:
    email_queue(
        kind=RECONFIRM,
        builder=reconfirm_email,
        params={"appointment": appointment.pk, "start": appointment.start.isoformat()},
        secret=token,
        moot_after=appointment.start,
    )


def staff_reconfirm_email(params: dict[str, Any], *, secret: str = "") -> EmailMultiAlternatives:
    """To the clinic's address: a re-confirmed intake cancelled a session or sent it back to
    review, or no clearance covers it any more. Outcome only, never the answers (whoever reads the clinic's mailbox)."""
    appointment = Appointment.objects.select_related(*APPOINTMENT_RELATED).get(
        pk=params["appointment"]
    )
    cancelled = params["what"] == "cancelled"
    clearance = params["what"] == "clearance"
    what = "session cancelled" if cancelled else "back to review"
    subject = SUBJECTS[RECONFIRM_STAFF].format(reference=appointment.reference, what=what)
    if clearance:
        subject = f"No clearance covers it any more: back to review ({appointment.reference})"
    return render_message(
        RECONFIRM_STAFF,
        {
            "appointment": appointment,
            "cancelled": cancelled,
            "clearance": clearance,
            "admin_url": settings.SITE_URL
            + reverse("admin:bookings_appointment_change", args=[appointment.pk]),
            "review_url": settings.SITE_URL + reverse("admin:bookings_appointment_review"),
        },
        subject=subject,
        to=[settings.CLINIC_EMAIL],
    )


def queue_staff_reconfirm_email(appointment: Appointment, *, what: str) -> None:
    """`what`: "cancelled" or "review" (a re-confirmed intake), or "clearance" (no
    clearance covers the session any more)."""
    email_queue(
        kind=RECONFIRM_STAFF,
        builder=staff_reconfirm_email,
        params={"appointment": appointment.pk, "what": what},
    )
