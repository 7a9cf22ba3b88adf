"""What the outbox tells the rest of the clinic.

`email_dead`: an e-mail became a dead letter (every retry failed), sent inside the
transaction that records it, with `email` and `now`. `outbox.dead_letters` listens and
alerts the desk and managers.
"""

from django.dispatch import Signal

email_dead = Signal()
