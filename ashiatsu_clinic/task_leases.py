"""Task rows of a worker that died are recovered, never left RUNNING for ever.

`db_worker` (django-tasks-db 0.13) marks a task RUNNING when it starts it and SUCCESSFUL or
FAILED when it ends; a worker killed in between (SIGKILL, out of memory, power loss) leaves
the row RUNNING, and nothing ever runs that task (the library's open issue "Unclean exits
of the worker leave tasks in limbo"). So a task RUNNING for longer than
`TASKS_LEASE_SECONDS` counts as lost: the row is marked FAILED with a `WorkerLost` error
(the admin's task list shows it) and a fresh copy of the task is queued on the same queue.

Every task of the clinic is safe to run twice (at-least-once): e-mail delivery claims its
row first, refunds skip what is refunded, waitlist offers and the sweep look at the current
state. The lease must stay longer than any task takes; the sweep runs this every pass.
"""

import datetime as dt
import logging

from django.conf import settings
from django.db import transaction
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

logger = logging.getLogger(__name__)


class WorkerLost(Exception):  # noqa: N818 (the name staff read in the task list)
    """The worker running the task stopped without reporting how it ended."""


def tasks_recover_lapsed(*, now: dt.datetime | None = None, limit: int = 200) -> int:
    """Fail and queue again every task RUNNING past its lease; return how many."""
    now = now or timezone.now()
    lease = dt.timedelta(seconds=settings.TASKS_LEASE_SECONDS)
    with transaction.atomic():
        lapsed = list(
            DBTaskResult.objects.select_for_update(skip_locked=True)
            .filter(status=TaskResultStatus.RUNNING, started_at__lt=now - lease)
            .order_by("started_at")[:limit]
        )
        for row in lapsed:
            again = DBTaskResult.objects.create(
                args_kwargs=row.args_kwargs,
                priority=row.priority,
                task_path=row.task_path,
                queue_name=row.queue_name,
                backend_name=row.backend_name,
                run_after=None,  # at once (the library's pre_save fills in its "no date")
            )
            row.status = TaskResultStatus.FAILED
            row.finished_at = now
            row.exception_class_path = f"{__name__}.{WorkerLost.__qualname__}"
            row.traceback = (
                f"WorkerLost: worker {', '.join(row.worker_ids) or '?'} started this task at "
                f"{row.started_at.isoformat()} and never reported back within "
                f"TASKS_LEASE_SECONDS={settings.TASKS_LEASE_SECONDS}; queued again as {again.pk}."
            )
            row.save(update_fields=["status", "finished_at", "exception_class_path", "traceback"])
            logger.warning(
                "Task %s (%s) lost with its worker; queued again as %s",
                row.pk,
                row.task_path,
                again.pk,
            )
    return len(lapsed)
