"""Rows of the old states move to the new ones, each with a reason staff can read.

"skipped" meant one of two things: the builder said the message was no longer needed when
it was due (the row has `sent_at`), or a person's data was erased before it went out (no
`sent_at`: erasure never stamped it). Both are moot. "failed" was the old give-up state: a
dead letter now, keeping its last error, so staff see it and can send it again.
"""

from django.db import migrations

NOT_NEEDED = "Not needed any more when it was due (recorded before reasons were kept)."
ERASED = "Not sent: the person's data was erased."


def forwards(apps, schema_editor):
    Email = apps.get_model("outbox", "Email")
    skipped = Email.objects.filter(status="skipped")
    skipped.filter(sent_at__isnull=False).update(status="moot", reason=NOT_NEEDED)
    skipped.filter(sent_at__isnull=True).update(status="moot", reason=ERASED)
    Email.objects.filter(status="failed").update(
        status="dead", reason="Gave up after every retry failed."
    )


def backwards(apps, schema_editor):
    Email = apps.get_model("outbox", "Email")
    Email.objects.filter(status="moot").update(status="skipped")
    Email.objects.filter(status="dead").update(status="failed")
    Email.objects.filter(status="sending").update(status="pending")


class Migration(migrations.Migration):
    dependencies = [("outbox", "0004_email_leases_moot_and_dead_letters")]

    operations = [migrations.RunPython(forwards, backwards)]
