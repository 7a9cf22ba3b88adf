"""SOAP templates and quick phrases: what a therapist writes often, ready to hand.

A therapist sees the clinic's templates and phrases and their own, never another
therapist's (`templates_for`, `phrases_for`). Applying a template (`template_apply`) fills
only the draft's empty SOAP parts, so nothing the therapist wrote is overwritten; it goes
through `chart_note_save`, the one writer of charts, so a signed note cannot be changed.
"""

from django.db.models import Q

from charts.models import ChartNote, QuickPhrase, SoapTemplate
from charts.services import SOAP_FIELDS, ChartError, RegionWork, chart_note_save


def _own_or_clinic(model, therapist):
    mine = Q(therapist__isnull=True)
    if therapist is not None:
        mine |= Q(therapist=therapist)
    return model.objects.filter(mine)


def templates_for(therapist) -> list[SoapTemplate]:
    return list(_own_or_clinic(SoapTemplate, therapist))


def phrases_for(therapist) -> list[QuickPhrase]:
    return list(_own_or_clinic(QuickPhrase, therapist))


def template_apply(*, appointment, user, template_id: int) -> ChartNote:
    """Start (or fill) the session's draft from one of the therapist's templates."""
    therapist = getattr(user, "therapist", None)
    template = _own_or_clinic(SoapTemplate, therapist).filter(pk=template_id).first()
    if template is None:
        raise ChartError("Choose one of your templates or the clinic's.")
    note = ChartNote.objects.filter(appointment=appointment).prefetch_related("entries").first()
    if note is not None and note.is_signed:
        raise ChartError("The note is signed: a template cannot change it.")
    texts = {name: getattr(note, name) if note else "" for name in SOAP_FIELDS}
    filled = {name: texts[name] or getattr(template, name) for name in SOAP_FIELDS}
    entries = [
        RegionWork(e.region, e.technique, e.pressure, e.client_response)
        for e in (note.entries.all() if note else ())
    ]
    return chart_note_save(
        appointment=appointment,
        author=user,
        entries=entries,
        pressure_used=note.pressure_used if note else appointment.intake.effective_pressure,
        **filled,
    )


def template_save_own(*, user, name: str, note: ChartNote | None) -> SoapTemplate:
    """Keep the draft's SOAP texts as one of the therapist's own templates."""
    therapist = getattr(user, "therapist", None)
    name = " ".join(name.split())[:80]
    if therapist is None or not name:
        raise ChartError("Give the template a name.")
    if note is None or not any(getattr(note, f) for f in SOAP_FIELDS):
        raise ChartError("Write and save the draft first; the template keeps its texts.")
    return SoapTemplate.objects.create(
        name=name, therapist=therapist, **{f: getattr(note, f) for f in SOAP_FIELDS}
    )


def phrase_add_own(*, user, text: str) -> QuickPhrase:
    therapist = getattr(user, "therapist", None)
    text = " ".join(text.split())
    if therapist is None or not text or len(text) > 200:
        raise ChartError("A quick phrase is one line of at most 200 characters.")
    return QuickPhrase.objects.create(therapist=therapist, text=text)
