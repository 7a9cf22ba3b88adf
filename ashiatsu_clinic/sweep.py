"""The clinic's periodic work (the composition root: the one place that knows every app), in one idempotent pass that any number of processes may run
at once: due reminders, waitlist offers to expire and make, the weekly e-mail to managers,
task rows of dead workers to recover and e-mails whose delivery task was lost.

Django's tasks framework has no scheduler, so the default queue's worker runs this every 30 s
in a thread of its own (`db_worker --sweep-every 30`, `ashiatsu_clinic.scheduler`). Every step claims
its rows with `SKIP LOCKED` or a unique constraint, so two sweeps never do the same work
twice; each step is separate, so one failing step does not hold up the others.
"""

import datetime as dt
import logging
from collections.abc import Callable

from django.utils import timezone

from ashiatsu_clinic import digest, task_leases
from bookings import reminders
from caldav_sync import tasks as calendars
from outbox import services
from payments import services as payments
from waitlist import services as waitlist

logger = logging.getLogger(__name__)


def _steps() -> list[tuple[str, Callable[[dt.datetime], int]]]:
    return [
        ("reminders", lambda now: reminders.reminders_send_due(now=now)),
        ("waitlist_expired", lambda now: waitlist.offers_expire(now=now)),
        ("waitlist_offers", lambda now: waitlist.offers_make(now=now)),
        # A deposit not paid in time releases its held slot (the waitlist hears of it).
        ("deposit_holds", lambda now: payments.deposit_holds_expire(now=now)),
        # Therapists' own calendars due for a sync go to the worker (never synced here: a
        # calendar server that hangs must not hold up the other steps).
        ("therapist_calendars", lambda now: calendars.calendars_sync_due(now=now)),
        ("manager_digest", lambda now: digest.manager_digest_send_if_due(now=now)),
        # Tasks whose worker died are failed and queued again (one lease for every queue).
        ("task_leases", lambda now: task_leases.tasks_recover_lapsed(now=now)),
        # E-mails whose own delivery task was lost go to the mail worker again (never sent
        # here: a hanging mail server must not hold up the steps above).
        ("emails", lambda now: services.emails_hand_over(now=now)),
    ]


def clinic_sweep(*, now: dt.datetime | None = None) -> dict[str, int]:
    """Run every periodic step once; return how much each did (-1: the step failed)."""
    now = now or timezone.now()
    done = {}
    for name, step in _steps():
        try:
            done[name] = step(now)
        except Exception:
            logger.exception("Clinic sweep step %s failed; the next sweep tries again", name)
            done[name] = -1
    return done
