"""Writing the session chart: save a draft, sign it, add an addendum, delete (rarely).

The rules, in one place for the portal, the admin and anything else:
- only the appointment's own therapist writes its chart, and only for a session that has
  started and was not cancelled or missed;
- a signed note is read-only: corrections are addenda, each with its author and time;
- signing needs all four SOAP parts (a record a regulator would accept);
- a draft may be discarded by its therapist; a signed note may be deleted (by its therapist
  or the clinic manager) only within 24 hours of signing, never later, by anyone.
The database triggers of migration 0002 refuse the same edits and deletions.
"""

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment, AppointmentStatus
from charts.models import (
    ADDENDUM_MAX_LENGTH,
    Addendum,
    ChartNote,
    RegionEntry,
    Technique,
)
from health import body_regions
from health.models import Pressure

NOT_CHARTABLE = {
    AppointmentStatus.CANCELLED,
    AppointmentStatus.NO_SHOW,
    AppointmentStatus.PENDING_REVIEW,
}
SOAP_FIELDS = ("subjective", "objective", "assessment", "plan")


class ChartError(Exception):
    """A chart change the clinic refuses; `message` is written for the therapist."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class RegionWork:
    """One region worked in the session, as the therapist entered it."""

    region: str
    technique: str
    pressure: str
    client_response: str = ""


def _is_own_therapist(user: AbstractBaseUser, appointment: Appointment) -> bool:
    therapist = getattr(user, "therapist", None)
    return therapist is not None and therapist.pk == appointment.therapist_id


def _is_manager(user: AbstractBaseUser) -> bool:
    return user.is_authenticated and user.has_perm("health.view_full_intake")


def _check_entries(entries: Sequence[RegionWork]) -> None:
    seen = set()
    for entry in entries:
        if not body_regions.is_region(entry.region):
            raise ChartError(f"Unknown body-map region: {str(entry.region)[:40]}.")
        if entry.region in seen:
            label = body_regions.REGIONS_BY_SLUG[entry.region].label
            raise ChartError(f"{label} is listed twice; give each region once.")
        seen.add(entry.region)
        if entry.technique not in Technique.values:
            raise ChartError("Please choose one-foot, two-foot, bar or floor work.")
        if entry.pressure not in Pressure.values:
            raise ChartError("Please choose light, medium or deep pressure.")


def _locked_note(appointment: Appointment) -> ChartNote | None:
    return ChartNote.objects.select_for_update().filter(appointment=appointment).first()


def chart_note_save(
    *,
    appointment: Appointment,
    author: AbstractBaseUser,
    subjective: str = "",
    objective: str = "",
    assessment: str = "",
    plan: str = "",
    pressure_used: str = "",
    entries: Sequence[RegionWork] = (),
    now: dt.datetime | None = None,
) -> ChartNote:
    """Create or update the session's draft note and its region entries (replaced whole)."""
    now = now or timezone.now()
    if not _is_own_therapist(author, appointment):
        raise ChartError("Only the session's own therapist writes its chart.")
    if appointment.status in NOT_CHARTABLE:
        raise ChartError(
            f"A session that is {appointment.get_status_display().lower()} has no chart."
        )
    if now < appointment.start:
        raise ChartError("You can chart the session once it has started.")
    _check_entries(entries)
    with transaction.atomic():
        Appointment.objects.select_for_update().filter(pk=appointment.pk).first()
        note = _locked_note(appointment) or ChartNote(appointment=appointment, author=author)
        if note.is_signed:
            raise ChartError("This note is signed and read-only. Add an addendum to correct it.")
        note.subjective, note.objective = subjective, objective
        note.assessment, note.plan = assessment, plan
        note.pressure_used = pressure_used
        try:
            note.full_clean(exclude=["appointment", "author", "signed_by"])
        except ValidationError as error:
            raise ChartError(" ".join(error.messages)) from error
        note.save()
        note.entries.all().delete()
        RegionEntry.objects.bulk_create(
            RegionEntry(
                note=note,
                region=e.region,
                technique=e.technique,
                pressure=e.pressure,
                client_response=e.client_response[:500],
            )
            for e in entries
        )
    return note


def chart_note_sign(
    *, note: ChartNote, user: AbstractBaseUser, now: dt.datetime | None = None
) -> ChartNote:
    """Sign the note: from now on it is read-only, and after 24 hours it cannot be deleted."""
    now = now or timezone.now()
    if not _is_own_therapist(user, note.appointment):
        raise ChartError("Only the session's own therapist signs its chart.")
    with transaction.atomic():
        locked = _locked_note(note.appointment)
        if locked is None:
            raise ChartError("There is no note to sign.")
        if locked.is_signed:
            raise ChartError("This note is already signed.")
        missing = [f for f in SOAP_FIELDS if not getattr(locked, f).strip()]
        if missing:
            names = ", ".join(ChartNote._meta.get_field(f).verbose_name.lower() for f in missing)
            raise ChartError(f"Please fill in {names} before signing.")
        locked.signed_at, locked.signed_by = now, user
        locked.save(update_fields=["signed_at", "signed_by", "updated_at"])
    note.signed_at, note.signed_by = locked.signed_at, locked.signed_by
    return locked


def chart_addendum_add(*, note: ChartNote, author: AbstractBaseUser, text: str) -> Addendum:
    """Correct or add to a signed note without touching it: an addendum with author and time."""
    text = (text or "").strip()
    if not _is_own_therapist(author, note.appointment):
        raise ChartError("Only the session's own therapist adds to its chart.")
    if not note.is_signed:
        raise ChartError("The note is still a draft: edit it directly.")
    if note.erased_at is not None:
        raise ChartError("This client's data was erased.")
    if not text:
        raise ChartError("Please write the addendum.")
    if len(text) > ADDENDUM_MAX_LENGTH:
        raise ChartError(f"Please keep the addendum under {ADDENDUM_MAX_LENGTH} characters.")
    if "\x00" in text:
        raise ChartError("Please remove the unusual characters from the addendum.")
    return Addendum.objects.create(note=note, author=author, text=text)


def chart_note_delete(
    *, note: ChartNote, user: AbstractBaseUser, now: dt.datetime | None = None
) -> None:
    """Discard a draft (its therapist), or delete a signed note within 24 hours of signing
    (its therapist or the clinic manager: the wrong client's chart). Later, nobody may."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = _locked_note(note.appointment)
        if locked is None:
            return
        if not locked.deletable(now):
            raise ChartError("A signed note older than 24 hours cannot be deleted by anyone.")
        allowed = _is_own_therapist(user, locked.appointment) or (
            locked.is_signed and _is_manager(user)
        )
        if not allowed:
            raise ChartError("You may not delete this note.")
        locked.delete()
