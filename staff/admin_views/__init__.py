"""Staff pages inside the admin, one module per concern:

- `common`: permission check, page context, appointment lookup decorator, local times
- `appointments`: detail (with move), status buttons, cancel, history, changelist actions
- `booking`: booking from the admin
- `health`: the full health answers (logged)
- `review`: the review queue
- `schedule`: the day and week grids
- `export`: the CSV export
- `credentials`: expiring credentials and the sessions they touch
- `series`: treatment plans: book a series (with a preview of its dates), see it, cancel it

Every view here is reached through `admin_site.admin_view` (staff login) and checks the
user's permission itself: the admin's menus hide what a role may not do, but the server is
what refuses it. Every change to an appointment goes through `bookings.services`, so the
admin obeys the same rules as the booking pages; a `BookingError` becomes a form error or a
message, never a server error.

The names below are the views `staff.admin` wires into its URLs.
"""

from staff.admin_views.appointments import (
    appointment_cancel,
    appointment_detail,
    appointment_history,
    appointment_reconfirm,
    appointment_status,
    cancel_selected,
    describe_event,
    reconfirm_selected,
    set_status_of_selected,
)
from staff.admin_views.booking import appointment_add
from staff.admin_views.credentials import expiring_credentials
from staff.admin_views.export import export_csv
from staff.admin_views.health import health_answers
from staff.admin_views.review import review_decide, review_queue
from staff.admin_views.schedule import schedule_day, schedule_week
from staff.admin_views.series import series_add, series_cancel_view, series_detail

__all__ = [
    "appointment_add",
    "appointment_cancel",
    "appointment_detail",
    "appointment_history",
    "appointment_reconfirm",
    "appointment_status",
    "cancel_selected",
    "describe_event",
    "expiring_credentials",
    "export_csv",
    "health_answers",
    "reconfirm_selected",
    "review_decide",
    "review_queue",
    "schedule_day",
    "schedule_week",
    "series_add",
    "series_cancel_view",
    "series_detail",
    "set_status_of_selected",
]
