"""The legacy quick note is gone: its rows were folded into the session chart
(charts 0004_fold_session_notes), so there is one note system."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [
        ("bookings", "0020_clients_and_health_moved_out"),
        ("charts", "0004_fold_session_notes"),
    ]

    operations = [migrations.DeleteModel(name="SessionNote")]
