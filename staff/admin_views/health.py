"""The full health answers of an appointment's intake, for those allowed (logged)."""

from django.contrib.admin import ModelAdmin
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.template.response import TemplateResponse

from bookings.models import Appointment
from bookings.privacy import read_intake_answers
from bookings.reconfirmation import reconfirmation_summary
from health import screening
from staff.admin_views.common import _context, _with_appointment, local


@_with_appointment(None)
def health_answers(
    request: HttpRequest, model_admin: ModelAdmin, appointment: Appointment
) -> HttpResponse:
    """The client's full intake answers: clinic manager (or the client's own therapist) only,
    and every read is logged by `read_intake_answers` before anything is shown."""
    answers = read_intake_answers(
        appointment=appointment, user=request.user, where="admin: health answers"
    )
    rows = [
        (question.text, screening.answer_text(question, answers.get(question.key)))
        for question in screening.questionnaire(appointment.intake.questionnaire_version).questions
        if question.key in answers
    ]
    return TemplateResponse(
        request,
        "admin/bookings/appointment/health.html",
        _context(
            request,
            model_admin,
            title=f"Health answers: {appointment.client}",
            subtitle=f"Appointment {appointment.reference}, {local(appointment.start):%d %B %Y}",
            original=appointment,
            intake=appointment.intake,
            rows=rows,
            # Issue #13: what the client changed before the session (earlier versions kept).
            reconfirmation=reconfirmation_summary(
                appointment=appointment, user=request.user, where="admin: health answers"
            ),
        ),
    )
