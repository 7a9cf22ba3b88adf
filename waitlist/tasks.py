"""Background task of the waitlist, run by `manage.py db_worker`.

The task is defined beside `offers_make` (so that enqueueing it needs no import loop); this
name stays so that rows queued by an earlier release still run.
"""

from waitlist.services import offers_make_task

__all__ = ["offers_make_task"]
