"""`manage.py db_worker`: django-tasks-db's worker that outlives a database restart, and
(`--sweep-every SECONDS`) the clinic's scheduler of periodic work (`ashiatsu_clinic.scheduler`).

The library's loop lets the error out when PostgreSQL goes away (the next claim query raises
OperationalError, or InterfaceError on a connection already closed), and the process ends:
from then on no e-mail, reminder, deposit release or waitlist offer, silently. Here the same
loop starts again after the broken connections are dropped, waiting a little longer each time
(0.5 s doubling to 5 s, with jitter), so the worker carries on by itself once the database is
back. A task the outage interrupted keeps the state the library left it in.

This command takes the library's name (our app comes before `django_tasks_db` in
INSTALLED_APPS), so every way of starting a worker gets it; its options are the library's.
"""

import logging
import os
import random
import time

from django.core.management.base import CommandError
from django.db import connections
from django.db.utils import InterfaceError, OperationalError
from django.utils.autoreload import DJANGO_AUTORELOAD_ENV, run_with_reloader
from django_tasks_db.management.commands import db_worker as library

from ashiatsu_clinic import scheduler

logger = logging.getLogger("django_tasks_db")

FIRST_WAIT = 0.5
LONGEST_WAIT = 5.0
# A loop that ran this long before it failed was healthy: the next wait starts short again.
HEALTHY_SECONDS = 30.0


class ReconnectingWorker(library.Worker):
    """The library's worker, its loop restarted after a lost database connection."""

    def run(self) -> None:
        wait = FIRST_WAIT
        while self.running:
            started = time.monotonic()
            try:
                super().run()
                return
            except (OperationalError, InterfaceError) as error:
                if time.monotonic() - started > HEALTHY_SECONDS:
                    wait = FIRST_WAIT
                connections.close_all()
                pause = wait * random.uniform(0.8, 1.2)  # noqa: S311 - spreads reconnects
                logger.warning(
                    "Worker %s lost the database (%s); trying again in %.1f s",
                    self.worker_id,
                    (str(error).strip().splitlines() or [type(error).__name__])[0],
                    pause,
                )
                time.sleep(pause)
                wait = min(wait * 2, LONGEST_WAIT)
                self.startup_delay = False


class Command(library.Command):
    help = "Run a background worker that survives database restarts (and, optionally, sweeps)."

    def add_arguments(self, parser) -> None:
        super().add_arguments(parser)
        parser.add_argument(
            "--sweep-every",
            type=library.valid_interval,
            default=0,
            metavar="SECONDS",
            help="Also run the clinic's periodic sweep every SECONDS in this process "
            "(the default queue's worker does; default: no sweep).",
        )

    def handle(
        self,
        *,
        verbosity: int,
        queue_name: str,
        interval: float,
        batch: bool,
        backend_name: str,
        startup_delay: bool,
        reload: bool,
        max_tasks: int | None,
        worker_id: str,
        exclude_queues: str,
        sweep_every: float,
        **options,
    ) -> None:
        self.configure_logging(verbosity)
        queue_names = queue_name.split(",")
        excluded_queue_names = exclude_queues.split(",") if exclude_queues else []
        if excluded_queue_names and "*" not in queue_names:
            raise CommandError("--exclude-queues can only be used with --queue-name=*")
        if batch and sweep_every:
            raise CommandError("--sweep-every needs a long-running worker, not --batch.")
        worker = ReconnectingWorker(
            queue_names=queue_names,
            interval=interval,
            batch=batch,
            backend_name=backend_name,
            startup_delay=startup_delay,
            max_tasks=max_tasks,
            worker_id=worker_id,
            excluded_queue_names=excluded_queue_names,
        )

        def work() -> None:
            if sweep_every:
                scheduler.start(sweep_every)
            worker.run()

        if reload and not batch:
            if os.environ.get(DJANGO_AUTORELOAD_ENV) == "true":
                worker.configure_signals()  # only the reloader's child runs the worker
            run_with_reloader(work)
        else:
            worker.configure_signals()
            work()
