"""The staff's client record page: visits, intakes, clearances and notes, by the read rules.

The admin's client page (staff.admin_clients.ClientAdmin) shows everything the clinic knows about
one person, but health data only to those who may read it, and every such read logged:

- intakes: outcome and flags for everyone who may see the record (the front desk works with
  those); the answers for each session whose intake the viewer may read
  (`privacy.may_read_full_intake`), each logged as an `IntakeAccess`;
- clearances: that one is on record and until when, for everyone; who cleared, for what,
  the scope and the letter's link for those who may read health data, logged as
  `ClearanceAccess` rows;
- session notes: under the intake's rule, logged with the intake read of their session.

Apps above bookings add their part of the record (the session charts) by registering a
section here (`section_register`, in their `AppConfig.ready`): bookings never imports them.
A section is a function `(user, client, appointments) -> html or None` that applies its own
read rule and logs its own reads.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.safestring import SafeString

from bookings import clearances
from bookings.models import Appointment
from bookings.privacy import may_read_full_intake
from clients.models import Client
from core.clock import clinic_tz
from health import questionnaires, screening
from health.models import IntakeAccess

WHERE = "admin: client record page"

Section = Callable[[object, Client, Sequence[Appointment]], SafeString | None]
_sections: dict[str, tuple[str, Section]] = {}


@dataclass(frozen=True)
class RenderedSection:
    title: str
    html: SafeString


def section_register(key: str, title: str, render: Section) -> None:
    """Add a section (by an app above bookings) to the client record page."""
    _sections[key] = (title, render)


def section_unregister(key: str) -> None:
    _sections.pop(key, None)


def _visit_rows(user, appointments: Sequence[Appointment]) -> list[dict]:
    rows, read = [], []
    for appointment in appointments:
        readable = may_read_full_intake(user, appointment)
        answers = appointment.intake.answers if readable else {}
        if readable:
            read.append(appointment)
        rows.append(
            {
                "appointment": appointment,
                "start": timezone.localtime(appointment.start, clinic_tz()),
                "intake": appointment.intake,
                "readable": readable,
                "answers": [
                    (q.text, screening.answer_text(q, answers.get(q.key)))
                    for q in questionnaires.QUESTIONS
                    if q.key in answers and q.kind != questionnaires.MUST_BE_TRUE
                ],
                "notes": list(appointment.notes.all()) if readable else [],
                "note_count": len(appointment.notes.all()),
            }
        )
    IntakeAccess.objects.bulk_create(
        IntakeAccess(intake_id=a.intake_id, user=user, where=WHERE) for a in read
    )
    return rows


def _clearance_rows(user, client: Client) -> tuple[list[dict], bool]:
    rows = list(client.clearances.all())
    readable = clearances.read_clearances(client=client, user=user, where=WHERE)
    today = timezone.localdate(timezone=clinic_tz())
    return [
        {
            "clearance": c,
            "readable": c in readable,
            "valid_now": c.covers(today),
            "conditions": clearances.condition_labels(c.conditions),
        }
        for c in rows
    ], bool(readable)


def record_page(*, user, client: Client) -> dict:
    """What the record page shows `user` about `client`; the reads are logged here."""
    appointments = list(
        client.appointments.select_related("therapist", "service", "intake")
        .prefetch_related("notes__author")
        .order_by("-start")
    )
    clearance_rows, _ = _clearance_rows(user, client)
    extra = []
    for title, render in _sections.values():
        html = render(user, client, appointments)
        if html:
            extra.append(RenderedSection(title, html))
    return {
        "client_pk": client.pk,
        "visits": _visit_rows(user, appointments),
        "clearances": clearance_rows,
        "may_record_clearance": clearances.may_record(user) and not client.merged_into_id,
        "extra_sections": extra,
    }


def render_record(*, user, client: Client) -> SafeString:
    return SafeString(
        render_to_string("admin/clients/client/_record.html", record_page(user=user, client=client))
    )
