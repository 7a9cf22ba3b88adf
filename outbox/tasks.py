"""Background tasks of the outbox, run by `manage.py db_worker`."""

from django.tasks import task

from outbox import delivery


@task
def deliver_email_task(email_id: int) -> str | None:
    return delivery.email_deliver(email_id)
