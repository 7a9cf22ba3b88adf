"""Background tasks of the outbox, run by `manage.py db_worker --queue-name mail`.

The task is defined beside the delivery it runs (it schedules its own retries); this name
stays importable for task rows queued by an earlier release.
"""

from outbox.delivery import deliver_email_task

__all__ = ["deliver_email_task"]
