"""What the booking engine tells (and asks) the feature apps above it, without importing them.

- `deposit_required` is a question, sent inside `booking_create` before anything is written:
  a receiver (payments) returns True when the client must pay a deposit before the booking
  counts. Receivers must only read. With no receiver, or none answering True, the booking is
  confirmed (or held for review) as before: the clinic runs without payments.
- `appointment_cancelled` is news, sent after the cancelling transaction commits
  (`transaction.on_commit`), with `appointment_id` and `late` (True when the client's own
  cut-off had passed, so the clinic's late-cancellation policy applies).
"""

from django.dispatch import Signal

deposit_required = Signal()
appointment_cancelled = Signal()
