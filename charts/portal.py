"""What the therapist portal's appointment page shows of the chart, in one call.

The portal (owned by another app) calls `chart_context(...)` and includes
`charts/_prebrief.html` at the top of the page and `charts/_chart.html` further down, so the
portal needs no knowledge of notes, addenda or the body map.
"""

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Prefetch
from django.utils import timezone

from bookings.models import Appointment
from charts.boilerplate import phrases_for, templates_for
from charts.forms import AddendumForm, ChartNoteForm, region_formset
from charts.models import Addendum, ChartNote, ChartPhoto, QuickPhrase, SoapTemplate
from charts.prebrief import PreBrief, prebrief_for
from charts.privacy import log_chart_reads, require_chart_reader
from charts.services import NOT_CHARTABLE

APPOINTMENT_PAGE = "therapist appointment page"


@dataclass
class ChartPanel:
    appointment: Appointment
    note: ChartNote | None
    prebrief: PreBrief
    avoid: list[str]
    focus: list[str]
    worked: list[str]
    may_write: bool
    not_yet_reason: str
    note_form: ChartNoteForm | None = None
    region_forms: object = None
    addendum_form: AddendumForm | None = None
    error: str = ""
    photos: list[ChartPhoto] = field(default_factory=list)
    may_add_photos: bool = False
    templates: list[SoapTemplate] = field(default_factory=list)
    phrases: list[QuickPhrase] = field(default_factory=list)

    @property
    def entries(self):
        return sorted(self.note.entries.all(), key=lambda e: e.order) if self.note else []


def load_note(appointment: Appointment) -> ChartNote | None:
    """The session's note with its entries and addenda (3 queries if there is one, else 1)."""
    return (
        ChartNote.objects.filter(appointment=appointment)
        .select_related("signed_by", "author")
        .prefetch_related(
            "entries", Prefetch("addenda", queryset=Addendum.objects.select_related("author"))
        )
        .first()
    )


def _not_yet_reason(appointment: Appointment, now: dt.datetime) -> str:
    if appointment.status in NOT_CHARTABLE:
        return f"A session that is {appointment.get_status_display().lower()} has no chart."
    if now < appointment.start:
        local = timezone.localtime(appointment.start)
        return f"You can chart the session once it has started, at {local:%H:%M}."
    return ""


def chart_context(
    *,
    appointment: Appointment,
    user,
    where: str = APPOINTMENT_PAGE,
    note_form: ChartNoteForm | None = None,
    region_forms=None,
    error: str = "",
    now: dt.datetime | None = None,
) -> dict:
    """The chart panel for the appointment page; the read is checked and logged."""
    require_chart_reader(user, appointment)
    now = now or timezone.now()
    note = load_note(appointment)
    prebrief = prebrief_for(appointment, user=user)
    shown = ([appointment.pk] if note else []) + (
        [prebrief.last_note.appointment_id] if prebrief.last_note else []
    )
    if shown:
        log_chart_reads(user=user, appointment_ids=shown, where=where)
    answers = appointment.intake.answers or {}
    therapist = getattr(user, "therapist", None)
    reason = _not_yet_reason(appointment, now)
    may_write = therapist is not None and therapist.pk == appointment.therapist_id and not reason
    panel = ChartPanel(
        appointment=appointment,
        note=note,
        prebrief=prebrief,
        avoid=list(answers.get("avoid_regions") or ()),
        focus=list(answers.get("focus_regions") or ()),
        worked=[e.region for e in note.entries.all()] if note else [],
        may_write=may_write,
        not_yet_reason=reason,
        error=error,
    )
    panel.photos = list(ChartPhoto.objects.filter(appointment=appointment))
    if may_write and (note is None or not note.is_signed):
        panel.may_add_photos = True
        panel.templates = templates_for(therapist)
        panel.phrases = phrases_for(therapist)
        panel.note_form = note_form or ChartNoteForm(
            instance=note,
            initial=None if note else {"pressure_used": appointment.intake.effective_pressure},
        )
        panel.region_forms = region_forms or region_formset(note)
    if may_write and note is not None and note.is_signed and note.erased_at is None:
        panel.addendum_form = AddendumForm()
    return {"chart": panel}
