"""The clinic's one scheduler of periodic work: a thread of the default queue's worker.

Django's tasks framework runs tasks but schedules none, and the periodic pass
(`ashiatsu_clinic.sweep`: reminders, waitlist offers, deposit holds, the manager digest,
e-mail retries) used to need a second long-running process beside the worker. A process that
must be remembered separately is one that gets forgotten (a deployment ran without it and no
failed e-mail was ever retried). So the worker that serves the default queue also sweeps
(`manage.py db_worker --sweep-every 30`): whoever runs the worker runs the sweep, the
supervisor that restarts one restarts both, and there is nothing else to start.

A thread, not a task on the queue: a slow pass (a mail server that hangs) never holds up the
tasks waiting behind it, and a pass that fails (the database restarting) is simply tried
again next time. Sweeps are idempotent and claim their rows (`SKIP LOCKED`, unique
constraints), so the workers of two machines sweeping at once never do the same work twice.
"""

import logging
import os
import threading

from django.db import close_old_connections, connection
from django.db.utils import InterfaceError, OperationalError

from ashiatsu_clinic.sweep import clinic_sweep

logger = logging.getLogger(__name__)


def sweep_pass() -> dict[str, int] | None:
    """One pass, or None when the database cannot be reached (one line in the log rather
    than a traceback per step while PostgreSQL restarts)."""
    close_old_connections()
    try:
        connection.ensure_connection()
    except (OperationalError, InterfaceError) as error:
        logger.warning("Clinic sweep skipped, the database is unavailable: %s", error)
        return None
    try:
        return clinic_sweep()
    finally:
        close_old_connections()


def _sweep_forever(every: float, stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            try:
                sweep_pass()
            except Exception:
                logger.exception("Clinic sweep pass failed; the next one tries again")
            stop.wait(every)
    except BaseException:
        # Never a worker that silently stopped sweeping: end the process, so that its
        # supervisor starts worker and scheduler again.
        logger.critical("The clinic sweep thread died; stopping the worker", exc_info=True)
        os._exit(70)
    finally:
        connection.close()


def start(every: float) -> threading.Event:
    """Sweep now and then every `every` seconds in a daemon thread; set the returned event
    to stop after the current pass."""
    stop = threading.Event()
    threading.Thread(
        target=_sweep_forever, args=(every, stop), name="clinic-sweep", daemon=True
    ).start()
    return stop
