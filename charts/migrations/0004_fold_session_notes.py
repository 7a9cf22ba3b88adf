"""The legacy quick notes (`bookings.SessionNote`) move into the session chart: one note system.

For each session with quick notes, oldest first:
- no chart yet: a draft chart is written with the note as its Objective ("what was done"),
  the client's response as its Assessment, and the pressure used, by the note's author;
- a draft chart: the note is added to the end of its Objective and Assessment;
- a signed chart (read-only, the triggers of 0002): the note becomes an addendum by its
  author, so nothing signed changes.

The texts are encrypted fields on both sides, so they are read and written through the
historical models (decrypted and encrypted again, never in clear at rest). Going back leaves
the charts as they are (bookings' own migration then brings the empty table back).
"""

from django.db import migrations


def _joined(first: str, second: str) -> str:
    return f"{first}\n\n{second}" if first and second else first or second


def _quick_note_text(note) -> str:
    lines = [f"Quick note ({note.created_at:%Y-%m-%d}): {note.work_done}"]
    if note.client_response:
        lines.append(f"Client's response: {note.client_response}")
    if note.pressure_used:
        lines.append(f"Pressure: {note.pressure_used}")
    return "\n".join(lines)


def fold(apps, schema_editor):
    SessionNote = apps.get_model("bookings", "SessionNote")
    ChartNote = apps.get_model("charts", "ChartNote")
    Addendum = apps.get_model("charts", "Addendum")
    for note in SessionNote.objects.order_by("appointment_id", "created_at", "id").iterator():
        chart = ChartNote.objects.filter(appointment_id=note.appointment_id).first()
        if chart is None:
            ChartNote.objects.create(
                appointment_id=note.appointment_id,
                author_id=note.author_id,
                objective=note.work_done,
                assessment=note.client_response,
                pressure_used=note.pressure_used,
            )
        elif chart.signed_at is None:
            chart.objective = _joined(chart.objective, note.work_done)
            chart.assessment = _joined(chart.assessment, note.client_response)
            chart.pressure_used = chart.pressure_used or note.pressure_used
            chart.save(update_fields=["objective", "assessment", "pressure_used"])
        elif chart.erased_at is None:
            Addendum.objects.create(
                note_id=chart.pk, author_id=note.author_id, text=_quick_note_text(note)
            )


class Migration(migrations.Migration):
    dependencies = [
        ("charts", "0003_encrypt_chart_text_at_rest"),
        ("bookings", "0019_encrypt_health_data_at_rest"),
    ]

    operations = [migrations.RunPython(fold, migrations.RunPython.noop)]
