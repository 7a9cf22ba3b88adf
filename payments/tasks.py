"""Background work: refunds run in the worker, never in the client's request."""

from django.tasks import task

from payments import services


@task
def deposit_settle_task(appointment_id: int, late: bool) -> int:
    return services.deposits_settle_on_cancel(appointment_id=appointment_id, late=late)
