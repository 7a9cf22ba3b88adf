"""Background tasks of the outbox, run by `manage.py db_worker`."""

from django.tasks import task

from outbox import services


@task
def deliver_email_task(email_id: int) -> str | None:
    return services.email_deliver(email_id)


@task
def clinic_sweep_task() -> dict[str, int]:
    from outbox.sweep import clinic_sweep

    return clinic_sweep()
