"""Reminder texts: one per session and lead time, however many sweeps run.

A service's lead time is `ServiceTexts.reminder_hours` (default `TEXTS_REMINDER_HOURS`, 24),
with an optional second text `TEXTS_SECOND_REMINDER_HOURS` (2) before. The sweep writes a
`texts.Reminder` row per (session, lead, start) under a unique constraint, so two sweeps
racing, or three in a row, queue one text; a moved session is reminded again for its new
time. A session booked inside the lead time gets no first reminder (its confirmation has
just gone). Reminders are unprompted: inside quiet hours they wait for the morning.
"""

import datetime as dt

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from texts import services
from texts.models import ClientTexts, Reminder, ServiceTexts

FIRST, SECOND = "first", "second"


def _leads(plans: dict[int, ServiceTexts], service_id: int) -> list[tuple[str, dt.timedelta]]:
    plan = plans.get(service_id)
    hours = plan.reminder_hours if plan else settings.TEXTS_REMINDER_HOURS
    leads = [(FIRST, dt.timedelta(hours=hours))]
    if plan and plan.second_reminder:
        leads.append((SECOND, dt.timedelta(hours=settings.TEXTS_SECOND_REMINDER_HOURS)))
    return leads


def texts_remind_due(*, now: dt.datetime | None = None, limit: int = 500) -> int:
    """Queue every reminder text now due; return how many were queued."""
    if not services.enabled():
        return 0
    now = now or timezone.now()
    plans = {plan.service_id: plan for plan in ServiceTexts.objects.all()}
    longest = max([settings.TEXTS_REMINDER_HOURS, *(p.reminder_hours for p in plans.values())])
    texting = ClientTexts.objects.filter(wants_texts=True).exclude(number="")
    upcoming = (
        Appointment.objects.filter(
            status=AppointmentStatus.CONFIRMED,
            start__gt=now,
            start__lte=now + dt.timedelta(hours=longest),
            client__in=texting.values("client"),
        )
        .select_related("client")
        .order_by("start")[:limit]
    )
    queued = 0
    for appointment in upcoming:
        for lead, before in _leads(plans, appointment.service_id):
            due = appointment.start - before
            # Booked inside the lead time: the confirmation just told them; no first reminder.
            if due <= now and not (lead == FIRST and appointment.created_at > due):
                queued += _remind(appointment, lead, now)
    return queued


def _remind(appointment: Appointment, lead: str, now: dt.datetime) -> int:
    if (
        lead == FIRST
        and Reminder.objects.filter(
            appointment=appointment, lead=SECOND, start=appointment.start
        ).exists()
    ):
        return 0  # booked inside the second reminder's window: one text is enough
    try:
        with transaction.atomic():
            Reminder.objects.create(appointment=appointment, lead=lead, start=appointment.start)
            text = services.text_queue(
                kind="reminder",
                number=services.number_for(appointment.client),
                appointment=appointment,
                params={"start": appointment.start.isoformat()},
                unprompted=True,
                now=now,
            )
    except IntegrityError:
        return 0  # another sweep got there first
    return int(text is not None)
