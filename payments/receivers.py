"""How payments hears from the booking engine (which never imports payments)."""

from payments import services, tasks


def deposit_required(sender, *, service, actor, **kwargs) -> bool:
    """Asked by `booking_create` before it writes: must this booking wait for a deposit?"""
    return services.deposit_required(service=service, actor=actor)


def appointment_cancelled(sender, *, appointment_id: int, late: bool, **kwargs) -> None:
    """After a cancellation commits: refund the deposit within the policy (in the worker)."""
    tasks.deposit_settle_task.enqueue(appointment_id, late)
