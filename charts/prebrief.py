"""The pre-brief: what a therapist must know before stepping on this client's back.

The appointment page opens with it: the plan, pressure and per-region responses of the last
*signed* note of the client's earlier sessions, the regions the intake says to avoid or focus
on, and what changed at the pre-session re-confirmation.

"Earlier sessions" means the same clinic-confirmed client record (the same `Client` row),
never a match on a typed e-mail address: anyone can type someone else's address into a
booking form, and a pre-brief must never show a stranger's health notes (issue #11, item 5).
"""

from dataclasses import dataclass, field

from bookings.models import Appointment
from bookings.privacy import may_read_client_history
from bookings.reconfirmation import Summary, reconfirmation_summary
from charts.models import ChartNote
from health import body_regions


@dataclass(frozen=True)
class RegionLine:
    label: str
    technique: str
    pressure: str
    client_response: str


@dataclass(frozen=True)
class PreBrief:
    avoid_regions: list[str]
    avoid_text: str
    focus_regions: list[str]
    last_note: ChartNote | None = None
    last_regions: list[RegionLine] = field(default_factory=list)
    # Issue #13: the pre-session re-confirmation of the intake (None: not read, e.g. no
    # reader given); see `reconfirmation_changes`.
    reconfirmation: Summary | None = None

    @property
    def last_pressure(self) -> str:
        return self.last_note.get_pressure_used_display() if self.last_note else ""


def last_signed_note(appointment: Appointment) -> ChartNote | None:
    """The newest signed, not erased note of the same client row's earlier sessions, with its
    region entries and the session's therapist (2 queries when there is one, else 1)."""
    return (
        ChartNote.objects.filter(
            appointment__client_id=appointment.client_id,
            appointment__start__lt=appointment.start,
            signed_at__isnull=False,
            erased_at__isnull=True,
        )
        .exclude(appointment_id=appointment.pk)
        .select_related("appointment__therapist", "appointment__service")
        .prefetch_related("entries")
        .order_by("-appointment__start")
        .first()
    )


def reconfirmation_changes(appointment: Appointment, user) -> Summary | None:
    """What the client changed when re-confirming their intake before this session, and
    whether and when they re-confirmed (bookings/reconfirmation.py); a logged read of the
    intakes compared. None without a reader."""
    if user is None:
        return None
    return reconfirmation_summary(appointment=appointment, user=user, where=PREBRIEF_READ)


PREBRIEF_READ = "therapist pre-brief, re-confirmation"


def prebrief_for(appointment: Appointment, *, user=None) -> PreBrief:
    """Everything the pre-brief shows (the intake is already loaded with the appointment);
    `user` reads the re-confirmation (the session's therapist or the manager)."""
    answers = appointment.intake.answers or {}
    # Earlier sessions' notes only for a reader the health-data rule lets see them.
    note = (
        last_signed_note(appointment)
        if user is not None and may_read_client_history(user, appointment)
        else None
    )
    lines = []
    if note is not None:
        entries = sorted(note.entries.all(), key=lambda e: e.order)
        lines = [
            RegionLine(
                label=e.get_region_display(),
                technique=e.get_technique_display(),
                pressure=e.get_pressure_display(),
                client_response=e.client_response,
            )
            for e in entries
        ]
    return PreBrief(
        avoid_regions=body_regions.labels(answers.get("avoid_regions") or ()),
        avoid_text=answers.get("avoid_areas", ""),
        focus_regions=body_regions.labels(answers.get("focus_regions") or ()),
        last_note=note,
        last_regions=lines,
        reconfirmation=reconfirmation_changes(appointment, user),
    )
