"""The migrations that made health data encrypted fields encrypt the rows already there (and
decrypt them going back), on PostgreSQL and SQLite, signed charts included."""

import json

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from bookings.models import AppointmentEvent, SessionNote
from charts.models import Addendum, ChartNote, RegionEntry
from health.models import Clearance, Intake
from health.screening import clear_answers
from tests.core.test_encrypted_fields import assert_no_clear_text
from tests.factories import AppointmentFactory, UserFactory
from waitlist.models import WaitlistEntry

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

BEFORE = [
    ("bookings", "0018_sqlite_appointment_triggers_again"),
    ("charts", "0002_signed_notes_triggers"),
    ("waitlist", "0007_entry_language"),
]
AFTER = [
    ("bookings", "0019_encrypt_health_data_at_rest"),
    ("charts", "0003_encrypt_chart_text_at_rest"),
    ("waitlist", "0008_encrypt_waitlist_answers_at_rest"),
]
SEALED_FROM_THE_START = {"therapists.calendarconnection.password"}  # therapists 0004
WORDS = [
    "spondylolisthesis",
    "Sore after gardening",
    "sacroiliac",
    "Eased with bar work",
    "Avoid the neck",
    "Tender near the sacrum",
    "numbness in the left foot",
    "Worked the piriformis",
    "Cramping eased",
    "needs a physician's letter",
    "Dr Quinn Marlowe",
    "No lumbar extension",
    "about a knee",
    "fibromyalgia",
    "lower_back_left",
    "disc_condition",
]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def raw(table: str, column: str) -> list:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} ORDER BY id")  # noqa: S608 - fixed names
        return [row[0] for row in cursor.fetchall()]


def plaintext_rows(old, appointment, user):
    """Rows as the clinic had them before encryption, written through the old models."""
    m = old.get_model
    answers = clear_answers(disc_condition=True, other_conditions="spondylolisthesis")
    intake = m("bookings", "Intake").objects.create(
        questionnaire_version=3,
        answers=answers,
        outcome="needs_clearance",
        reasons=["disc_condition"],
        effective_pressure="medium",
    )
    m("bookings", "AppointmentEvent").objects.create(
        appointment_id=appointment.pk,
        kind="cancelled",
        details={"note": "needs a physician's letter"},
    )
    m("bookings", "SessionNote").objects.create(
        appointment_id=appointment.pk,
        author_id=user.pk,
        work_done="Worked the piriformis",
        pressure_used="light",
        client_response="Cramping eased",
    )
    m("bookings", "Clearance").objects.create(
        client_id=appointment.client_id,
        cleared_by_name="Dr Quinn Marlowe",
        cleared_by_role="physiotherapist",
        cleared_on=timezone.localdate(),
        valid_until=timezone.localdate(),
        scope="light_pressure",
        restrictions="No lumbar extension",
        conditions=["disc_condition"],
        withdrawn_at=timezone.now(),
        withdrawn_reason="the letter was about a knee",
    )
    note = m("charts", "ChartNote").objects.create(
        appointment_id=appointment.pk,
        author_id=user.pk,
        subjective="Sore after gardening",
        objective="Guarding over the sacroiliac joint",
        assessment="Eased with bar work",
        plan="Avoid the neck",
    )
    m("charts", "RegionEntry").objects.create(
        note=note,
        region="lower_back_left",
        technique="bar",
        pressure="light",
        client_response="Tender near the sacrum",
    )
    note.signed_at, note.signed_by_id = timezone.now(), user.pk
    note.save()  # signed: the triggers now refuse any change to it
    m("charts", "Addendum").objects.create(
        note=note, author_id=user.pk, text="Client phoned: numbness in the left foot"
    )
    m("waitlist", "WaitlistEntry").objects.create(
        service_id=appointment.service_id,
        first_day=timezone.localdate(),
        last_day=timezone.localdate(),
        name="Cy Okafor",
        email="cy@example.com",
        phone="+1 212 555 0111",
        answers=clear_answers(other_conditions="fibromyalgia"),
    )
    return intake.pk, note.pk


def test_existing_rows_are_encrypted_and_read_back_and_going_back_decrypts_them():
    appointment = AppointmentFactory()
    user = UserFactory()
    try:
        old = migrate(BEFORE)
        intake_pk, note_pk = plaintext_rows(old, appointment, user)
        assert "spondylolisthesis" in json.dumps(raw("bookings_intake", "answers"))

        migrate(AFTER)
        filled = assert_no_clear_text(WORDS)
        # Columns sealed from their first migration had no clear rows to encrypt.
        filled = {k: v for k, v in filled.items() if k not in SEALED_FROM_THE_START}
        assert all(filled.values()), filled

        intake = Intake.objects.get(pk=intake_pk)
        assert intake.answers["other_conditions"] == "spondylolisthesis"
        assert intake.reasons == ["disc_condition"]
        assert AppointmentEvent.objects.get(kind="cancelled").details == {
            "note": "needs a physician's letter"
        }
        assert SessionNote.objects.get().work_done == "Worked the piriformis"
        clearance = Clearance.objects.get()
        assert (clearance.cleared_by_name, clearance.scope, clearance.conditions) == (
            "Dr Quinn Marlowe",
            "light_pressure",
            ["disc_condition"],
        )
        note = ChartNote.objects.get(pk=note_pk)
        assert note.subjective == "Sore after gardening" and note.is_signed
        assert RegionEntry.objects.get(note=note).region == "lower_back_left"
        assert Addendum.objects.get(note=note).text.endswith("left foot")
        entry = WaitlistEntry.objects.get()
        assert entry.answers["other_conditions"] == "fibromyalgia"

        # Backwards: the old JSON and text columns hold the plain values again.
        migrate(BEFORE)
        answers = raw("bookings_intake", "answers")
        assert any("spondylolisthesis" in json.dumps(a) for a in answers)
        assert raw("charts_regionentry", "region") == ["lower_back_left"]
        assert raw("charts_chartnote", "subjective")[-1] == "Sore after gardening"
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())
    assert_no_clear_text(WORDS)
    assert Intake.objects.get(pk=intake_pk).answers["other_conditions"] == "spondylolisthesis"
