"""Background tasks of the composition root, run by `manage.py db_worker`."""

from django.tasks import task

from ashiatsu_clinic.sweep import clinic_sweep


@task
def clinic_sweep_task() -> dict[str, int]:
    return clinic_sweep()
