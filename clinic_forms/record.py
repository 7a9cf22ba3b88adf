"""The forms' part of the staff's client record page (bookings.record_sections).

Each response shows with its own version's questions; a health-data form's answers only to
those who may read them (`responses.may_read_response`), each read logged. Others see that
the form was answered, which version and when.
"""

from django.template.loader import render_to_string
from django.utils.safestring import SafeString

from clinic_forms.responses import client_responses, log_reads, may_read_response
from clinic_forms.signing import response_rows

WHERE = "admin: client record page"


def record_section(user, client, appointments) -> SafeString | None:
    responses = list(client_responses(client))
    if not responses:
        return None
    rows = []
    for response in responses:
        readable = may_read_response(user, response)
        rows.append(
            {
                "response": response,
                "readable": readable,
                "answers": response_rows(response) if readable else [],
            }
        )
    log_reads(user=user, responses=[r["response"] for r in rows if r["readable"]], where=WHERE)
    return SafeString(render_to_string("clinic_forms/_record_section.html", {"rows": rows}))
