"""Background task: one therapist calendar's sync, queued by the clinic sweep when due."""

import datetime as dt

from django.db import transaction
from django.tasks import task

from caldav_sync.sync import calendar_sync, every
from therapists.models import CalendarConnection


@task
def calendar_sync_task(connection_id: int) -> bool:
    connection = CalendarConnection.objects.filter(pk=connection_id).first()
    return connection is not None and calendar_sync(connection)


def calendars_sync_due(*, now: dt.datetime) -> int:
    """Hand every connection due for a sync to the worker (claimed: two sweeps never queue
    one twice); returns how many."""
    with transaction.atomic():
        due = list(
            CalendarConnection.objects.select_for_update(skip_locked=True)
            .filter(next_sync_at__lte=now)
            .values_list("pk", flat=True)
        )
        CalendarConnection.objects.filter(pk__in=due).update(next_sync_at=now + every())
    for pk in due:
        transaction.on_commit(lambda pk=pk: calendar_sync_task.enqueue(pk))
    return len(due)
