"""The legacy quick notes moved into the session chart (charts 0004), and their model went
(bookings 0020): one note system, the old rows kept, nothing signed changed."""

import pytest
from django.apps import apps as live_apps
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from charts.models import Addendum, ChartNote
from tests.factories import AppointmentFactory, UserFactory

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.db_integrity]

BEFORE = [
    ("bookings", "0019_encrypt_health_data_at_rest"),
    ("charts", "0003_encrypt_chart_text_at_rest"),
]
AFTER = [("bookings", "0021_delete_sessionnote")]


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def test_quick_notes_become_charts_and_the_model_is_gone():
    bare, drafted, signed = AppointmentFactory(), AppointmentFactory(), AppointmentFactory()
    author = UserFactory()
    try:
        old = migrate(BEFORE)
        SessionNote = old.get_model("bookings", "SessionNote")
        OldChart = old.get_model("charts", "ChartNote")
        OldChart.objects.create(appointment_id=drafted.pk, objective="Bar work, long strokes")
        OldChart.objects.create(
            appointment_id=signed.pk,
            subjective="Tight calves",
            signed_at=timezone.now(),
            signed_by_id=author.pk,
        )
        for appointment, text, response in (
            (bare, "Worked the erectors", "Relaxed"),
            (bare, "Then the calves", ""),
            (drafted, "Avoided the left knee", "A little sore"),
            (signed, "Lighter on the sacrum", "Eased"),
        ):
            SessionNote.objects.create(
                appointment_id=appointment.pk,
                author_id=author.pk,
                work_done=text,
                pressure_used="light",
                client_response=response,
            )

        migrate(AFTER)
    finally:
        migrate(MigrationExecutor(connection).loader.graph.leaf_nodes())

    new = ChartNote.objects.get(appointment=bare)
    assert (new.objective, new.assessment) == ("Worked the erectors\n\nThen the calves", "Relaxed")
    assert (new.pressure_used, new.author, new.is_signed) == ("light", author, False)
    draft = ChartNote.objects.get(appointment=drafted)
    assert draft.objective == "Bar work, long strokes\n\nAvoided the left knee"
    assert draft.assessment == "A little sore" and draft.pressure_used == "light"
    kept = ChartNote.objects.get(appointment=signed)
    assert kept.subjective == "Tight calves" and kept.objective == ""  # signed: unchanged
    addendum = Addendum.objects.get(note=kept)
    assert "Lighter on the sacrum" in addendum.text and "Client's response: Eased" in addendum.text
    assert addendum.author == author
    # One note system: no quick-note model, no table.
    with pytest.raises(LookupError):
        live_apps.get_model("bookings", "SessionNote")
    assert "bookings_sessionnote" not in connection.introspection.table_names()
