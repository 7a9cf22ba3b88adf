"""A therapist's day in real Chromium (SPEC "Who uses it": therapists): log in, read the day,
open a session, write a note and mark it completed."""

import datetime as dt
import re

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import AppointmentEvent, AppointmentStatus, SessionNote
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    IntakeFactory,
    TherapistFactory,
)

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "ashiatsu-demo"


@pytest.fixture
def session(aiko):
    # Already started (so it can be completed), and today in the clinic's zone even just
    # after midnight.
    start = max(local_time(0, 0), timezone.now() - dt.timedelta(minutes=30))
    intake = IntakeFactory(
        answers=clear_answers(back_pain_now="mild", pressure="deep", avoid_areas="Left shoulder"),
        outcome="light_pressure",
        reasons=["Because you have mild back pain now, your therapist will use light pressure"],
        effective_pressure="light",
    )
    return AppointmentFactory(
        therapist=aiko,
        start=start.replace(second=0, microsecond=0),
        client=ClientFactory(name="Mei Sato"),
        intake=intake,
    )


def test_a_therapist_logs_in_and_completes_todays_session_with_a_note(
    page: Page, steps, aiko, session
):
    someone_elses = AppointmentFactory(
        therapist=TherapistFactory(display_name="Ben Okafor"),
        start=session.start,
        client=ClientFactory(name="Not Yours"),
    )

    page.goto("/therapist/")
    expect(page.get_by_role("heading", name="Therapist login")).to_be_visible()
    page.get_by_label("Username").fill("aiko-tanaka")
    page.get_by_label("Password").fill(PASSWORD)
    steps("login")
    page.get_by_role("button", name="Log in").click()

    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    card = page.get_by_role("listitem").filter(has_text="Mei Sato")
    expect(card).to_contain_text(timezone.localtime(session.start).strftime("%H:%M"))
    expect(card).to_contain_text("Light pressure only")
    expect(card).to_contain_text("client asked for deep")
    expect(card).to_contain_text("Left shoulder")
    expect(card).to_contain_text("Yes, first visit")
    expect(page.get_by_text("Not Yours")).to_have_count(0)
    steps("today")

    page.get_by_role("link", name="Mei Sato").click()
    expect(page.get_by_role("heading", name="Mei Sato", level=1)).to_be_visible()
    expect(page).to_have_url(re.compile(f"/therapist/appointments/{session.reference}/$"))
    answers = page.get_by_role("table", name="The client's answers")
    expect(answers.get_by_role("row", name=re.compile("^Areas to avoid"))).to_contain_text(
        "Left shoulder"
    )
    steps("appointment")

    page.get_by_label("What was done").fill("Light strokes, avoided the left shoulder")
    page.get_by_role("radio", name="Light", exact=True).check()
    page.get_by_label("Client's response").fill("Relaxed, no pain")
    page.get_by_role("button", name="Save note").click()
    expect(page.get_by_role("status").filter(has_text="Session note saved")).to_be_visible()
    expect(page.get_by_text("Light strokes, avoided the left shoulder")).to_be_visible()
    steps("note-saved")

    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_role("status").filter(has_text="marked completed")).to_be_visible()
    expect(page.locator("#appointment-status")).to_have_text("Completed")
    expect(page.get_by_role("button", name="Mark completed")).to_have_count(0)
    steps("completed")

    session.refresh_from_db()
    assert session.status == AppointmentStatus.COMPLETED
    note = SessionNote.objects.get(appointment=session)
    assert (note.pressure_used, note.client_response) == ("light", "Relaxed, no pain")
    assert list(
        AppointmentEvent.objects.filter(appointment=session).values_list("kind", "actor")
    ) == [(AppointmentEvent.Kind.NOTE, aiko.user_id), (AppointmentEvent.Kind.STATUS, aiko.user_id)]
    someone_elses.refresh_from_db()
    assert someone_elses.status == AppointmentStatus.CONFIRMED
