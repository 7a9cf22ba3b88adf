"""The session charts' part of the staff's client record page (bookings.record_sections).

Bookings may not import charts, so charts registers this section (charts.apps). Under the
chart's read rule (`charts.privacy.may_read_chart`): the SOAP texts of each session the
viewer may read, every one logged as a `ChartAccess`; for other viewers (the front desk),
only that a chart exists and whether it is signed.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from charts.models import ChartNote
from charts.privacy import log_chart_reads, may_read_chart

WHERE = "admin: client record page"


def record_section(user, client, appointments) -> SafeString | None:
    by_id = {a.pk: a for a in appointments}
    notes = list(ChartNote.objects.filter(appointment_id__in=by_id).order_by("-appointment__start"))
    if not notes:
        return None
    rows = [
        {
            "note": n,
            "appointment": by_id[n.appointment_id],
            "readable": may_read_chart(user, by_id[n.appointment_id]),
        }
        for n in notes
    ]
    log_chart_reads(
        user=user,
        appointment_ids=[r["note"].appointment_id for r in rows if r["readable"]],
        where=WHERE,
    )
    return SafeString(render_to_string("charts/_record_section.html", {"rows": rows}))
