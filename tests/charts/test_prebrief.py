"""The pre-brief: the last signed note of the same client record, the intake's regions, and
the slot for the pre-session re-confirmation (issue #13)."""

import pytest

from charts.prebrief import prebrief_for
from tests.charts.helpers import session, signed_note
from tests.factories import ChartNoteFactory, ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def test_it_brings_the_last_signed_notes_plan_pressure_and_responses(alice, ada):
    bob = TherapistFactory(display_name="Bob Stepper")
    older = session(bob, hours_ago=24 * 20, client=ada)
    signed_note(older, hours_ago=24 * 20, plan="Old plan")
    last = session(bob, hours_ago=24 * 7, client=ada)
    signed_note(
        last,
        hours_ago=24 * 7,
        plan="Light on the left lower back",
        pressure_used="light",
        regions=[
            ("lower_back_left", "one_foot", "light", "Tender"),
            ("neck", "bar", "medium", "Fine"),
        ],
    )
    today = session(alice, client=ada, avoid_regions=["neck"], avoid_areas="Left knee")
    brief = prebrief_for(today, user=alice.user)
    assert brief.last_note.appointment == last
    assert brief.last_note.plan == "Light on the left lower back"
    assert brief.last_pressure == "Light"
    # Head to foot, whatever order they were entered in.
    assert [(r.label, r.technique, r.pressure, r.client_response) for r in brief.last_regions] == [
        ("Neck", "Bar work", "Medium", "Fine"),
        ("Lower back, left", "One-foot", "Light", "Tender"),
    ]
    assert brief.avoid_regions == ["Neck"] and brief.avoid_text == "Left knee"


def test_drafts_and_later_sessions_are_not_the_last_signed_note(alice, ada):
    today = session(alice, client=ada)
    ChartNoteFactory(appointment=session(alice, hours_ago=48, client=ada), plan="Draft plan")
    later = session(alice, hours_ago=-48, client=ada)
    signed_note(later, plan="Future")  # written directly: a later session is not "earlier"
    assert prebrief_for(today).last_note is None


def test_another_client_row_with_the_same_email_is_never_used(alice, ada):
    """Issue #11 item 5: a typed e-mail address proves nothing; only the same Client row."""
    stranger = ClientFactory(name="Someone else", email="ADA@example.com")
    signed_note(session(alice, hours_ago=72, client=stranger), plan="A stranger's plan")
    today = session(alice, client=ada)
    assert prebrief_for(today).last_note is None


def test_without_a_reader_the_re_confirmation_is_not_read(alice, ada):
    assert prebrief_for(session(alice, client=ada)).reconfirmation is None


def test_the_sessions_therapist_reads_the_re_confirmation(alice, ada):
    summary = prebrief_for(session(alice, client=ada), user=alice.user).reconfirmation
    assert summary is not None and summary.last_at is None and summary.changes == []
