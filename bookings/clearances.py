"""Clearance on record: a health professional's written clearance, kept on the client's record.

Some intake answers (a disc condition, blood thinners, an implant, ...) hold a booking for
staff review because walking on that back needs a professional's say-so. The clinic keeps
that say-so as a `Clearance` on the client's record: who cleared (name, role), when, for
which intake conditions, with what scope ("light pressure only") and until when, with the
letter if there is one. The rules, in one place:

- **Approving** a booking held for review needs a clearance on the booking's client record
  that is valid on the session's date (clinic time) and covers every condition that held it
  (`approval_refusal`); `bookings.intake_review.intake_approve` asks, so every entry point obeys.
- **Skipping review**: a later booking of the same person whose intake needs clearance is
  confirmed at once while a clearance covers it (`session_restriction`), with the
  clearance's scope applied (light pressure) and the clearance named in the history. Only for
  a verified record that the booking joins through a proven identity (the client signed in
  by the e-mail link, `record_for_booking`): a typed e-mail address proves nothing, and
  anyone can type anyone's.
- **The letter** is checked by its content, not its name or the browser's content type
  (PDF, JPEG or PNG; at most `CLEARANCE_LETTER_MAX_BYTES`), sealed with AES-GCM
  (`outbox.sealing`, a key derived from SECRET_KEY) and written under
  `CLEARANCE_LETTERS_ROOT`, a private folder no URL serves. A copy of the disk or a backup
  therefore shows no letter; the price is that replacing SECRET_KEY without keeping the old
  one in SECRET_KEY_FALLBACKS makes the letters unreadable.
- **Reading** a clearance's details or letter follows the health-data rule of the intake: the
  clinic manager (`health.view_full_intake`) and a therapist who has a session with the
  client; every read writes a `ClearanceAccess` row first.
- **The strictest rule**: every path that writes a session (a booking, a series session, a
  waitlist offer taken, a re-confirmed intake, a move, a withdrawal) asks
  `session_restriction`: the pressure is the strictest of the intake's and the covering
  clearance's scope, and a session nothing covers is held for review (docs/clearances.md).
- **Withdrawing** a clearance (`bookings.clearance_withdrawal`) stops it covering anything.

A clearance without an end date of its own is valid `CLEARANCE_VALID_MONTHS` (12) months from
the day it was given: clinics commonly ask for a yearly renewal, and the intake itself is
re-answered yearly.
"""

import calendar
import datetime as dt
import io
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import connection, transaction
from PIL import Image, UnidentifiedImageError

from bookings.models import Appointment
from bookings.treating import treats_client
from clients.models import Client
from core.clock import clinic_today, clinic_tz
from health import questionnaires, screening
from health.models import Clearance, ClearanceAccess, ClearanceScope
from outbox.sealing import open_bytes, seal_bytes

RECORD_PERMISSION = "health.add_clearance"
READ_PERMISSION = "health.view_full_intake"
SEAL_PURPOSE = "bookings.clearance-letter"

# The intake conditions a clearance can clear: every rule whose outcome is "needs
# clearance" (tests check that the two lists agree).
CONDITIONS: dict[str, str] = {
    "spinal_surgery": "Spinal surgery (more than 12 months ago)",
    "disc_condition": "Disc condition",
    "back_pain_now": "Severe or radiating back pain",
    "blood_thinners": "Blood thinners, clotting disorder or DVT",
    "blood_pressure": "Uncontrolled high blood pressure",
    "implant": "Implant in the back or trunk",
}

# The dates a clearance may carry (`dates_problem`).
EARLIEST_YEAR = 1900
MAX_YEARS = 5

PDF, JPEG, PNG = "application/pdf", "image/jpeg", "image/png"
EXTENSIONS = {PDF: "pdf", JPEG: "jpg", PNG: "png"}


class ClearanceError(ValueError):
    """A clearance the clinic cannot record; the message says why, for the staff member."""

    def __init__(self, message: str, *, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


# --- Conditions and validity -------------------------------------------------------------


def conditions_needing_clearance(answers: Mapping[str, Any]) -> list[str]:
    """The intake conditions (question keys) that hold these answers for review."""
    return list(
        dict.fromkeys(
            rule.key
            for rule in questionnaires.RULES
            if rule.outcome == questionnaires.NEEDS_CLEARANCE
            and rule.key in answers
            and rule.applies(answers[rule.key])
        )
    )


def condition_labels(keys: Iterable[str]) -> list[str]:
    return [CONDITIONS.get(key, key) for key in keys]


def dates_problem(
    cleared_on: dt.date, valid_until: dt.date | None, *, today: dt.date | None = None
) -> tuple[str, str] | None:
    """(field, message) when the clearance's dates cannot be right, else None. A clearance is
    given on a real past day (not in the future: a letter is dated when it was written, and
    not before `EARLIEST_YEAR`) and lasts at most `CLEARANCE_MAX_YEARS` years: a typing
    slip such as 9999 would otherwise cover every session for good."""
    today = today or clinic_today()
    if cleared_on > today:
        return "cleared_on", "A clearance cannot be dated in the future: give the day it was given."
    if cleared_on.year < EARLIEST_YEAR:
        return "cleared_on", f"This date is too long ago: check the year (from {EARLIEST_YEAR})."
    if valid_until is None:
        return None
    if valid_until < cleared_on:
        return "valid_until", "A clearance cannot end before the day it was given."
    if valid_until.year - cleared_on.year > MAX_YEARS or (
        valid_until.year - cleared_on.year == MAX_YEARS
        and (valid_until.month, valid_until.day) > (cleared_on.month, cleared_on.day)
    ):
        return (
            "valid_until",
            f"A clearance lasts at most {MAX_YEARS} years: check the year of its end date.",
        )
    return None


def default_valid_until(cleared_on: dt.date) -> dt.date:
    """`CLEARANCE_VALID_MONTHS` months after `cleared_on` (the 31st becomes the month's last
    day)."""
    months = cleared_on.month - 1 + settings.CLEARANCE_VALID_MONTHS
    year, month = cleared_on.year + months // 12, months % 12 + 1
    return dt.date(year, month, min(cleared_on.day, calendar.monthrange(year, month)[1]))


def session_day(appointment: Appointment) -> dt.date:
    return appointment.start.astimezone(clinic_tz()).date()


def covering_clearance(*, client: Client, day: dt.date, conditions: Iterable[str]):
    """The client's clearance valid on `day` that clears every one of `conditions` (the one
    lasting longest), or None.

    Inside a transaction the rows are locked (FOR NO KEY UPDATE, in the model's order): a
    session written on the strength of a clearance commits before that clearance can be
    withdrawn, so the withdrawal then finds the session and holds it to the rule again
    (`clearance_withdrawal`), or after it, and then sees it withdrawn."""
    needed = set(conditions)
    live = client.clearances.filter(cleared_on__lte=day, valid_until__gte=day, withdrawn_at=None)
    if connection.in_atomic_block:
        live = live.select_for_update(no_key=True)
    for clearance in live:
        if needed <= set(clearance.conditions):
            return clearance
    return None


def _missing_message(client: Client, day: dt.date, conditions: list[str]) -> str:
    what = "; ".join(condition_labels(conditions)) or "the conditions of this intake"
    return (
        f"Record a clearance first: {client} has no clearance on record that is valid on "
        f"{day:%d %B %Y} and covers {what}. Add it on the client's record (Clearances)."
    )


def approval_refusal(appointment: Appointment) -> str | None:
    """Why staff may not approve this booking held for review yet, or None if they may.
    The clearance must be on the booking's own client record (merge the person's records
    first if it is on another one)."""
    conditions = conditions_needing_clearance(appointment.intake.answers or {})
    day = session_day(appointment)
    if covering_clearance(client=appointment.client, day=day, conditions=conditions) is None:
        return _missing_message(appointment.client, day, conditions)
    return None


def approving_clearance(appointment: Appointment) -> Clearance | None:
    conditions = conditions_needing_clearance(appointment.intake.answers or {})
    return covering_clearance(
        client=appointment.client, day=session_day(appointment), conditions=conditions
    )


def record_for_booking(record: Client | None, email: str) -> Client | None:
    """The verified record a new booking joins at once: the signed-in client's own (their
    address proven by the e-mail link), live, and booked under its address. None otherwise:
    then the booking makes its own unverified row, and no clearance applies to it."""
    if record is None or record.merged_into_id or not record.is_confirmed:
        return None
    if record.email.strip().lower() != email.strip().lower():
        return None
    return record


def clearance_for_appointment(appointment: Appointment) -> Clearance | None:
    """For a booking that joined a record earlier (a deposit paid later): the clearance that
    spares its review, only if that record is verified."""
    client = appointment.client
    if not client.is_confirmed or client.merged_into_id:
        return None
    return approving_clearance(appointment)


def scoped_pressure(clearance: Clearance | None, pressure: str) -> str:
    """The pressure a session may have under the clearance's scope (None: no clearance)."""
    if clearance is not None and clearance.scope == ClearanceScope.LIGHT_PRESSURE:
        return "light"
    return pressure


@dataclass(frozen=True)
class Restriction:
    """What a session may be given: `pressure`, the strictest of what the intake's screening
    allows and what the clearance covering it allows; `clearance`, the one relied on (None:
    none covers the session, or its intake needs none); `needs_review`, the intake needs
    clearance and none on the record covers the session's day."""

    pressure: str
    clearance: Clearance | None
    needs_review: bool


def session_restriction(
    *,
    client: Client | None,
    day: dt.date,
    result: screening.Screening,
    answers: Mapping[str, Any],
) -> Restriction:
    """The one rule for what a session may be given, whatever path writes it: a booking, a
    series session, a waitlist offer taken, a move to another day, a re-confirmed intake, a
    withdrawn clearance. A clearance only ever narrows: "light pressure only" caps the
    pressure whatever the client asked for; a full clearance leaves the intake's own cap.

    `client`: the record whose clearances count for this session (None: none count, e.g. a
    new booking that joins no verified record, `record_for_booking`); `day`: the session's
    local day, on which the clearance must be valid; `result`: the screening of `answers`."""
    clearance = None
    if client is not None and result.needs_clearance:
        clearance = covering_clearance(
            client=client, day=day, conditions=conditions_needing_clearance(answers)
        )
    return Restriction(
        pressure=scoped_pressure(clearance, result.effective_pressure),
        clearance=clearance,
        needs_review=result.needs_clearance and clearance is None,
    )


def appointment_restriction(
    appointment: Appointment, *, day: dt.date | None = None
) -> Restriction | None:
    """`session_restriction` for a booked session (on `day`, default its own), judged from
    its stored answers against the clearances on its own client record: the record staff
    relied on when they approved it. None when the intake has no answers to judge (or they
    rule the day out: the caller's own screening says why)."""
    intake = appointment.intake
    if not intake.answers:
        return None
    day = day or session_day(appointment)
    try:
        result = screening.screen(intake.answers, on=day, version=intake.questionnaire_version)
    except screening.InvalidAnswers:
        return None
    if result.is_declined:
        return None
    return session_restriction(
        client=appointment.client, day=day, result=result, answers=intake.answers
    )


# --- The letter --------------------------------------------------------------------------


class PrivateStorage(FileSystemStorage):
    """Files no URL serves: `url()` refuses, so no template or admin widget can link one."""

    def url(self, name):
        raise ValueError("Clearance letters have no public URL; link the letter view instead.")


def letter_storage() -> PrivateStorage:
    """The private folder `CLEARANCE_LETTERS_ROOT` (var/ by default; outside static/media)."""
    return PrivateStorage(location=settings.CLEARANCE_LETTERS_ROOT)


def _image_type(data: bytes, expected: str) -> str | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            image.verify()
            found = image.format
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        return None
    return expected if found == {JPEG: "JPEG", PNG: "PNG"}[expected] else None


def letter_type(data: bytes) -> str | None:
    """The letter's type read from its bytes (never its name or declared type): a PDF
    (header and end-of-file marker), or a JPEG or PNG that Pillow can parse."""
    if data.startswith(b"%PDF-") and b"%%EOF" in data[-2048:]:
        return PDF
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return _image_type(data, PNG)
    if data.startswith(b"\xff\xd8\xff"):
        return _image_type(data, JPEG)
    return None


def max_letter_megabytes() -> str:
    return f"{settings.CLEARANCE_LETTER_MAX_BYTES / 1_048_576:g}"


def letter_check(upload) -> tuple[bytes, str]:
    """The uploaded letter's bytes and type, or ClearanceError saying what is wrong."""
    limit = settings.CLEARANCE_LETTER_MAX_BYTES
    if upload.size > limit:
        raise ClearanceError(
            f"The letter is too large ({upload.size / 1_048_576:.1f} MB); the limit is "
            f"{max_letter_megabytes()} MB. Scan it at a lower resolution or as a PDF.",
            field="letter",
        )
    data = upload.read(limit + 1)
    if not data:
        raise ClearanceError("The letter file is empty.", field="letter")
    kind = letter_type(data)
    if kind is None:
        raise ClearanceError(
            "The letter must be a PDF, JPEG or PNG file; this file is none of them "
            "(its content was checked, not its name).",
            field="letter",
        )
    return data, kind


# --- Recording -----------------------------------------------------------------------------


@dataclass(frozen=True)
class ClearanceDetails:
    cleared_by_name: str
    cleared_by_role: str
    cleared_on: dt.date
    scope: str
    conditions: list[str]
    valid_until: dt.date | None = None
    restrictions: str = ""


def may_record(user) -> bool:
    return bool(
        user and user.is_authenticated and user.is_staff and user.has_perm(RECORD_PERMISSION)
    )


def clearance_record(*, client: Client, details: ClearanceDetails, by, letter=None) -> Clearance:
    """Record a clearance on a client's record, with its letter (an uploaded file or None).

    Everything is checked before anything is stored. The sealed letter is written just
    before the row, and deleted again if the row cannot be written, so a refusal leaves
    nothing behind (were an outer transaction to roll back later, what stays is a sealed file
    no row names, which nobody can read)."""
    if not may_record(by):
        raise PermissionDenied("Only clinical staff may record a clearance.")
    if client.merged_into_id:
        raise ClearanceError(
            f"This record was merged into record {client.merged_into_id}; record the "
            "clearance there."
        )
    unknown = sorted(set(details.conditions) - set(CONDITIONS))
    if not details.conditions or unknown:
        raise ClearanceError(
            "Choose the intake condition(s) the clearance covers.", field="conditions"
        )
    if problem := dates_problem(details.cleared_on, details.valid_until):
        raise ClearanceError(problem[1], field=problem[0])
    valid_until = details.valid_until or default_valid_until(details.cleared_on)
    data, kind = letter_check(letter) if letter is not None else (b"", "")
    clearance = Clearance(
        client=client,
        cleared_by_name=details.cleared_by_name.strip(),
        cleared_by_role=details.cleared_by_role,
        cleared_on=details.cleared_on,
        valid_until=valid_until,
        scope=details.scope,
        restrictions=details.restrictions.strip(),
        conditions=[key for key in CONDITIONS if key in details.conditions],
        recorded_by=by,
    )
    clearance.full_clean(exclude=["client", "recorded_by"])
    storage = letter_storage()
    if data:
        sealed = ContentFile(seal_bytes(data, purpose=SEAL_PURPOSE))
        clearance.letter_file = storage.save(f"{secrets.token_hex(16)}.sealed", sealed)
        clearance.letter_type, clearance.letter_size = kind, len(data)
    try:
        with transaction.atomic():
            clearance.save()
    except Exception:
        if clearance.letter_file:
            storage.delete(clearance.letter_file)
        raise
    return clearance


# --- Reading --------------------------------------------------------------------------------


def _treats(user, client_id: int) -> bool:
    return treats_client(user, client_id)


def may_read_clearance(user, clearance: Clearance) -> bool:
    """The intake's rule, for a record: the clinic manager, or a therapist treating this
    client (a confirmed, checked-in or recently completed session: `treating.treats_client`)."""
    if not user.is_authenticated:
        return False
    return user.has_perm(READ_PERMISSION) or _treats(user, clearance.client_id)


def is_therapist(user) -> bool:
    return getattr(user, "therapist", None) is not None


def log_clearance_reads(*, user, clearances: Iterable[Clearance], where: str) -> None:
    ClearanceAccess.objects.bulk_create(
        ClearanceAccess(clearance=c, user=user, where=where[:100]) for c in clearances
    )


def read_clearances(*, client: Client, user, where: str) -> list[Clearance]:
    """The client's clearances, newest ending first, with their details, for a reader who
    may see them (logged); an empty list for anyone else."""
    rows = list(client.clearances.all())
    if not rows or not user.is_authenticated:
        return []
    if not (user.has_perm(READ_PERMISSION) or _treats(user, client.pk)):  # one rule per record
        return []
    log_clearance_reads(user=user, clearances=rows, where=where)
    return rows


def read_clearance_letter(*, clearance: Clearance, user, where: str) -> tuple[bytes, str]:
    """The letter's bytes and type, logged; PermissionDenied for anyone else, LookupError
    when the clearance has no letter (or its file is gone)."""
    if not may_read_clearance(user, clearance):
        raise PermissionDenied("You may not read this client's clearance letter.")
    if not clearance.letter_file:
        raise LookupError("This clearance has no letter.")
    storage = letter_storage()
    try:
        with storage.open(clearance.letter_file, "rb") as handle:
            sealed = handle.read()
    except FileNotFoundError as missing:
        raise LookupError("The letter's file is missing.") from missing
    data = open_bytes(sealed, purpose=SEAL_PURPOSE)
    log_clearance_reads(user=user, clearances=[clearance], where=where)
    return data, clearance.letter_type


def letter_filename(clearance: Clearance) -> str:
    """A download name that says nothing about the client's health."""
    return f"clearance-{clearance.pk}.{EXTENSIONS.get(clearance.letter_type, 'bin')}"


def clearances_erase(clients: Iterable[Client]) -> int:
    """A client's erasure: their clearances and letters go (health data). Returns the count."""
    rows = list(Clearance.objects.filter(client__in=list(clients)))
    storage = letter_storage()
    names = [c.letter_file for c in rows if c.letter_file]
    Clearance.objects.filter(pk__in=[c.pk for c in rows]).delete()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return len(rows)


def clearances_expired_purge(*, before: dt.date) -> int:
    """Retention: clearances that ended before `before` (the retention cut-off) go, with
    their letters; nothing relies on them any more."""
    old = Clearance.objects.filter(valid_until__lt=before)
    names = [n for n in old.values_list("letter_file", flat=True) if n]
    count = old.count()
    old.delete()
    storage = letter_storage()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return count


def clearances_export(*, clients: Iterable[Client], user, where: str) -> list[dict]:
    """A client's clearances in their data export (the letters are not in it: the clinic
    sends a copy on request); the export reads them, so it is logged."""
    rows = list(Clearance.objects.filter(client__in=list(clients)).order_by("cleared_on"))
    log_clearance_reads(user=user, clearances=rows, where=where)
    return [
        {
            "cleared_by": c.cleared_by_name,
            "role": c.cleared_by_role,
            "cleared_on": c.cleared_on.isoformat(),
            "valid_until": c.valid_until.isoformat(),
            "scope": c.scope,
            "restrictions": c.restrictions,
            "conditions": c.conditions,
            "letter": bool(c.letter_file),
            "withdrawn_on": clinic_today(c.withdrawn_at).isoformat() if c.withdrawn_at else None,
            "withdrawn_because": c.withdrawn_reason,
        }
        for c in rows
    ]
