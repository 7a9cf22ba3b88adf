"""What bookings tell (and ask) the apps above them, without importing them.

The booking engine sits below the waitlist and the feature apps: it must not know who
listens. It sends these signals; the apps above connect receivers in their `AppConfig.ready`.
(Erasure, export and retention have their own signals in `bookings.privacy`.)

- `deposit_required` is a question, sent inside `booking_create` before anything is written:
  a receiver (payments) returns True when the client must pay a deposit before the booking
  counts. Receivers must only read. With no receiver, or none answering True, the booking is
  confirmed (or held for review) as before: the clinic runs without payments.
- `appointment_cancelled` is news, sent after the cancelling transaction commits, with
  `appointment_id` and `late` (True when the client's own cut-off had passed, so the clinic's
  late-cancellation policy applies).
- `booking_written` is news sent INSIDE the booking's transaction (like `deposit_required`,
  so what a receiver writes, e.g. a queued text, commits or rolls back with the booking),
  with `appointment`, `client` (the `ClientDetails` or record booked with) and
  `manage_token`. Receivers only add rows of their own; they must not fail on bad data.
"""

from functools import partial

from django.db import transaction
from django.dispatch import Signal

# A time may have freed up (a cancellation, a move, a declined review). Sent after the
# change commits, never inside it: a receiver that fails or is slow cannot undo or hold up
# the booking change. No arguments besides `sender`.
slot_freed = Signal()
deposit_required = Signal()
appointment_cancelled = Signal()
booking_written = Signal()


def slot_freed_after_commit(sender: object) -> None:
    """Send `slot_freed` once the surrounding transaction commits (robust: a failing
    receiver is logged, the sweep looks for freed slots anyway)."""
    transaction.on_commit(partial(slot_freed.send, sender=sender), robust=True)
