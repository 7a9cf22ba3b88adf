"""The review queue: intakes held for clearance, approved or declined by clinical staff."""

from django.contrib import messages
from django.contrib.admin import ModelAdmin
from django.core.exceptions import PermissionDenied
from django.http import (
    HttpRequest,
    HttpResponse,
)
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.utils import timezone
from django.views.decorators.http import require_POST

from bookings import clearances
from bookings.intake_review import intake_approve, intake_decline
from bookings.models import Appointment, AppointmentStatus
from bookings.services import BookingError
from staff.admin_forms import ReviewForm
from staff.admin_views.common import _context, _require, local


def review_queue(
    request: HttpRequest,
    model_admin: ModelAdmin,
    bound: dict[int, ReviewForm] | None = None,
    status: int = 200,
) -> TemplateResponse:
    """Bookings held for clearance, soonest first, with the reasons screening gave.

    Everyone who may see appointments sees the queue; only `health.review_intake` (the
    clinic manager) gets the approve and decline buttons, and the server checks it again."""
    if not model_admin.has_view_permission(request):
        raise PermissionDenied
    bound = bound or {}
    pending = (
        Appointment.objects.filter(status=AppointmentStatus.PENDING_REVIEW)
        .select_related("client", "therapist", "service__style", "room", "intake")
        .order_by("start")
    )
    now = timezone.now()
    can_review = request.user.has_perm("health.review_intake")
    rows = [
        {
            "appointment": appointment,
            "start": local(appointment.start),
            "past": appointment.start < now,
            "form": bound.get(appointment.pk) or ReviewForm(auto_id=f"id_{appointment.pk}_%s"),
            # Approving needs a clearance on record (bookings.clearances): say so up front.
            "clearance_missing": clearances.approval_refusal(appointment) if can_review else None,
        }
        for appointment in pending
    ]
    return TemplateResponse(
        request,
        "admin/bookings/appointment/review.html",
        _context(
            request,
            model_admin,
            title="Intake review queue",
            rows=rows,
            can_review=can_review,
            can_read_answers=request.user.has_perm("health.view_full_intake"),
        ),
        status=status,
    )


@require_POST
def review_decide(
    request: HttpRequest, model_admin: ModelAdmin, appointment_id: int
) -> HttpResponse:
    """Approve (the booking becomes confirmed) or decline (cancelled; the client is told,
    with the note as the explanation)."""
    _require(request, "health.review_intake")
    appointment = get_object_or_404(Appointment.objects.select_related("client"), pk=appointment_id)
    decision = request.POST.get("decision")
    if decision not in ("approve", "decline"):
        messages.error(request, "Choose approve or decline.")
        return redirect("admin:bookings_appointment_review")
    form = ReviewForm(
        request.POST, note_required=decision == "decline", auto_id=f"id_{appointment.pk}_%s"
    )
    if not form.is_valid():
        return review_queue(request, model_admin, bound={appointment.pk: form}, status=400)
    review = intake_approve if decision == "approve" else intake_decline
    try:
        review(appointment=appointment, actor=request.user, note=form.cleaned_data["note"])
    except BookingError as error:
        messages.error(request, f"{appointment.reference}: {error.message}")
    else:
        model_admin.log_change(request, appointment, [{"changed": {"fields": ["status"]}}])
        if decision == "approve":
            messages.success(request, f"{appointment.reference} approved and confirmed.")
        else:
            messages.success(
                request, f"{appointment.reference} declined; {appointment.client} is told."
            )
    return redirect("admin:bookings_appointment_review")
