"""Background task of the waitlist, run by `manage.py db_worker`."""

from django.tasks import task


@task
def offers_make_task() -> int:
    from waitlist.services import offers_make

    return offers_make()
