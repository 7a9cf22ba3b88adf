"""What bookings tell the apps above them, without importing them.

The booking engine sits below the waitlist (and any later feature app): it must not know who
listens. It sends these signals; the apps above connect receivers in their `AppConfig.ready`.
(Erasure, export and retention have their own signals in `bookings.privacy`.)
"""

from functools import partial

from django.db import transaction
from django.dispatch import Signal

# A time may have freed up (a cancellation, a move, a declined review). Sent after the
# change commits, never inside it: a receiver that fails or is slow cannot undo or hold up
# the booking change. No arguments besides `sender`.
slot_freed = Signal()


def slot_freed_after_commit(sender: object) -> None:
    """Send `slot_freed` once the surrounding transaction commits (robust: a failing
    receiver is logged, the sweep looks for freed slots anyway)."""
    transaction.on_commit(partial(slot_freed.send, sender=sender), robust=True)
