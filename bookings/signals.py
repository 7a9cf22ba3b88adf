"""Signals through which higher apps take part in bookings' rules without being imported.

`client_erasing` is sent by `bookings.privacy.client_erase` *inside* its transaction, with
`appointment_ids` (the erased client's appointments) and `user`. A receiver that keeps health
data about those appointments (the `charts` app's session notes) erases it there. Unlike our
after-commit signals this one runs before the commit on purpose: erasure is all or nothing, so
a receiver that fails rolls the whole erasure back instead of leaving health data behind a
"client erased" message.

`client_exporting` is sent by `bookings.privacy.client_export` with `appointment_ids` and
`user`; each receiver returns `(key, data)` and the export gains `data` under `key`.
"""

from django.dispatch import Signal

client_erasing = Signal()
client_exporting = Signal()
