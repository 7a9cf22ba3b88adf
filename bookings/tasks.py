"""Background tasks (Django's tasks framework). E-mail goes out here, off the request path."""

from django.tasks import task

from bookings import notifications


@task
def send_appointment_email_task(appointment_id: int, kind: str, token: str = "") -> None:
    notifications.send_appointment_email(appointment_id, kind, token)
