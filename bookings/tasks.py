"""Background tasks (Django's tasks framework), run by `manage.py db_worker`.

E-mail delivery lives in `outbox.tasks`, waitlist offers in `waitlist.tasks` and the sweep in
`ashiatsu_clinic.tasks`; this task stays so that rows queued by an earlier release still run.
"""

from django.tasks import task

from bookings import notifications


@task
def send_appointment_email_task(appointment_id: int, kind: str, token: str = "") -> None:
    """Deprecated: queue the e-mail in the outbox instead, which retries it."""
    from bookings.models import Appointment

    appointment = Appointment.objects.get(pk=appointment_id)
    notifications.queue_appointment_email(appointment, kind, token=token)
