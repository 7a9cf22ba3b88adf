"""Key rotation: values sealed with key A, keys set to "B,A", `rotate_field_keys`, then "B"
alone still reads everything; A alone no longer does; no raw row is ever in clear."""

import pytest
from django.core.management import CommandError, call_command
from django.db import IntegrityError, transaction

from charts.models import ChartNote, RegionEntry
from core.field_keys import FieldDecryptionError, generate_key, keyring
from core.key_rotation import reencrypt_all, stale_counts
from health.models import ClearanceScope, Intake
from health.screening import clear_answers
from tests.charts.helpers import session, signed_note
from tests.core.test_encrypted_fields import EMPTY, assert_no_clear_text, raw_rows
from tests.factories import ClearanceFactory, IntakeFactory, TherapistFactory

pytestmark = [pytest.mark.django_db, pytest.mark.db_integrity]

KEY_A, KEY_B = generate_key(), generate_key()


def some_health_data():
    """Rows in three apps' encrypted columns, including a signed (read-only) chart."""
    for n in range(3):
        IntakeFactory(answers=clear_answers(other_conditions=f"herniated disc at L{n}"))
    ClearanceFactory(scope=ClearanceScope.LIGHT_PRESSURE, restrictions="No lumbar extension")
    note = signed_note(
        session(TherapistFactory()),
        subjective="Sore after gardening",
        regions=[("lower_back_left", "bar", "light", "Tender near the sacrum")],
    )
    return note


def key_ids_in_use() -> set[str]:
    from core.encrypted_fields import encrypted_fields

    return {
        value.split(":")[1]
        for field in encrypted_fields()
        for value in raw_rows(field)
        if value not in EMPTY
    }


def test_rotation_moves_every_value_to_the_new_key_and_the_old_key_can_go(settings, capsys):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    id_a = keyring().newest
    note = some_health_data()
    assert key_ids_in_use() == {id_a}
    assert_no_clear_text()

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]
    id_b = keyring().newest
    assert sum(stale_counts().values()) > 0
    with pytest.raises(CommandError):
        call_command("rotate_field_keys", "--check")
    call_command("rotate_field_keys", "--batch-size", "2")
    assert key_ids_in_use() == {id_b}
    assert_no_clear_text()
    assert not any(stale_counts().values())
    call_command("rotate_field_keys", "--check")
    capsys.readouterr()
    call_command("rotate_field_keys")  # again: nothing left to do
    assert "Done: 0 values" in capsys.readouterr().out

    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    texts = sorted(a for i in Intake.objects.all() if (a := i.answers["other_conditions"]))
    assert texts == [f"herniated disc at L{n}" for n in range(3)]
    assert ChartNote.objects.get(pk=note.pk).subjective == "Sore after gardening"
    assert RegionEntry.objects.get(note=note).region == "lower_back_left"
    # The signed chart is still read-only: the triggers came back after the rewrite.
    with pytest.raises(IntegrityError), transaction.atomic():
        ChartNote.objects.filter(pk=note.pk).update(subjective="Rewritten")

    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    with pytest.raises(FieldDecryptionError):
        list(Intake.objects.all())


def test_rotation_without_the_old_key_stops_and_names_it(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    IntakeFactory(answers=clear_answers(other_conditions="herniated disc"))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B]
    with pytest.raises(CommandError, match="not in FIELD_ENCRYPTION_KEYS"):
        call_command("rotate_field_keys")


def test_new_key_prints_a_usable_key(settings, capsys):
    call_command("rotate_field_keys", "--new-key")
    key = capsys.readouterr().out.strip()
    settings.FIELD_ENCRYPTION_KEYS = [key]
    intake = IntakeFactory(answers=clear_answers(other_conditions="herniated disc"))
    assert Intake.objects.get(pk=intake.pk).answers["other_conditions"] == "herniated disc"
    assert_no_clear_text(["herniated"])


def test_a_stopped_rotation_keeps_what_it_did_and_the_next_run_finishes(settings):
    settings.FIELD_ENCRYPTION_KEYS = [KEY_A]
    for n in range(5):
        IntakeFactory(answers=clear_answers(other_conditions=f"herniated disc at L{n}"))
    settings.FIELD_ENCRYPTION_KEYS = [KEY_B, KEY_A]

    class Stopped(Exception):
        pass

    def stop_after_first_batch(label, done):
        raise Stopped  # the process killed between two batches

    with pytest.raises(Stopped):
        reencrypt_all(batch_size=2, progress=stop_after_first_batch)
    assert stale_counts()["bookings.intake.answers"] == 3  # the first batch was committed
    counts = reencrypt_all(batch_size=2)
    assert counts["bookings.intake.answers"] == 3
    assert not any(stale_counts().values())
    assert_no_clear_text(["herniated"])
