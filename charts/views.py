"""The chart's actions from the therapist portal: save or sign the note, add an addendum,
discard a draft. The page itself is the portal's appointment page (`charts.portal`).

Like the portal, every lookup filters by the signed-in therapist: another therapist's session
answers 404 exactly like one that does not exist. Views are thin; `charts.services` decides.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST, require_safe

from bookings.models import Appointment
from charts import photos
from charts.boilerplate import phrase_add_own, template_apply, template_save_own
from charts.forms import AddendumForm, ChartNoteForm, region_formset
from charts.models import ChartPhoto
from charts.portal import chart_context, load_note
from charts.services import (
    ChartError,
    chart_addendum_add,
    chart_note_delete,
    chart_note_save,
    chart_note_sign,
)

# The portal's appointment page, by URL name (the portal sits beside us, not below).
PORTAL_APPOINTMENT = "therapists:appointment"
EDIT_PAGE = "chart edit page"


def _own_appointment(request: HttpRequest, reference: str) -> Appointment:
    therapist = getattr(request.user, "therapist", None)
    if therapist is None or not therapist.active:
        raise Http404("This page is for the clinic's therapists.")
    return get_object_or_404(
        Appointment.objects.select_related("client", "service__style", "room", "intake"),
        reference=reference.upper(),
        therapist=therapist,
    )


def _edit_page(request, appointment, *, note_form=None, region_forms=None, error=""):
    """The chart alone, with the therapist's input and what was wrong (400)."""
    context = chart_context(
        appointment=appointment,
        user=request.user,
        where=EDIT_PAGE,
        note_form=note_form,
        region_forms=region_forms,
        error=error,
    )
    context["portal_url_name"] = PORTAL_APPOINTMENT
    return render(request, "charts/edit.html", context, status=400)


@never_cache
@login_required
@require_POST
def chart_save(request: HttpRequest, reference: str) -> HttpResponse:
    """Save the draft; with the "sign" button, sign it too."""
    appointment = _own_appointment(request, reference)
    note = load_note(appointment)
    form = ChartNoteForm(request.POST, instance=note)
    regions = region_formset(data=request.POST)
    if not (form.is_valid() and regions.is_valid()):
        return _edit_page(
            request,
            appointment,
            note_form=form,
            region_forms=regions,
            error="Please check the note.",
        )
    try:
        saved = chart_note_save(
            appointment=appointment,
            author=request.user,
            entries=regions.entries(),
            **{name: form.cleaned_data[name] for name in ChartNoteForm.Meta.fields},
        )
    except ChartError as error:
        return _edit_page(
            request, appointment, note_form=form, region_forms=regions, error=error.message
        )
    if "sign" not in request.POST:
        messages.success(request, "Draft saved. Sign it when the note is complete.")
        return redirect(PORTAL_APPOINTMENT, appointment.reference)
    try:
        chart_note_sign(note=saved, user=request.user)
    except ChartError as error:
        return _edit_page(
            request,
            appointment,
            note_form=form,
            region_forms=regions,
            error=f"Draft saved, not signed: {error.message}",
        )
    messages.success(request, "Note signed. It is now read-only; corrections are addenda.")
    return redirect(PORTAL_APPOINTMENT, appointment.reference)


@never_cache
@login_required
@require_POST
def chart_addendum(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _own_appointment(request, reference)
    note = load_note(appointment)
    if note is None:
        raise Http404("This session has no note yet.")
    form = AddendumForm(request.POST)
    error = "Please write the addendum."
    if form.is_valid():
        try:
            chart_addendum_add(note=note, author=request.user, text=form.cleaned_data["text"])
        except ChartError as failure:
            error = failure.message
        else:
            messages.success(request, "Addendum added.")
            return redirect(PORTAL_APPOINTMENT, appointment.reference)
    return _edit_page(request, appointment, error=error)


@never_cache
@login_required
@require_POST
def chart_discard(request: HttpRequest, reference: str) -> HttpResponse:
    """Discard the draft (a signed note follows `chart_note_delete`'s 24-hour rule)."""
    appointment = _own_appointment(request, reference)
    note = load_note(appointment)
    if note is None:
        return redirect(PORTAL_APPOINTMENT, appointment.reference)
    try:
        chart_note_delete(note=note, user=request.user)
    except ChartError as error:
        return _edit_page(request, appointment, error=error.message)
    messages.success(request, "Note deleted.")
    return redirect(PORTAL_APPOINTMENT, appointment.reference)


@never_cache
@login_required
@require_POST
def chart_template(request: HttpRequest, reference: str) -> HttpResponse:
    """Start the draft from a SOAP template (only its empty parts are filled)."""
    appointment = _own_appointment(request, reference)
    try:
        template_id = int(request.POST.get("template", ""))
    except ValueError:
        return _edit_page(request, appointment, error="Choose a template.")
    try:
        template_apply(appointment=appointment, user=request.user, template_id=template_id)
    except ChartError as error:
        return _edit_page(request, appointment, error=error.message)
    messages.success(request, "Template applied to the draft. Edit it, then sign.")
    return redirect(PORTAL_APPOINTMENT, appointment.reference)


@never_cache
@login_required
@require_POST
def chart_photo_add(request: HttpRequest, reference: str) -> HttpResponse:
    """Keep a photo from the phone's camera with the session's chart (sealed)."""
    appointment = _own_appointment(request, reference)
    upload = request.FILES.get("photo")
    if upload is None:
        return _edit_page(request, appointment, error="Choose or take a photo first.")
    try:
        photos.photo_add(appointment=appointment, user=request.user, upload=upload)
    except ChartError as error:
        return _edit_page(request, appointment, error=error.message)
    messages.success(request, "Photo added to the chart.")
    return redirect(PORTAL_APPOINTMENT, appointment.reference)


@never_cache
@login_required
@require_safe
def chart_photo(request: HttpRequest, pk: int) -> HttpResponse:
    """One chart photo, for the manager and the session's own therapist (logged); 403 for
    anyone else signed in (another therapist, the front desk)."""
    photo = get_object_or_404(ChartPhoto.objects.select_related("appointment"), pk=pk)
    try:
        data, kind = photos.photo_read(photo=photo, user=request.user, where="chart photo")
    except LookupError as missing:
        raise Http404("The photo's file is missing.") from missing
    response = HttpResponse(data, content_type=kind)
    response["Content-Disposition"] = f'inline; filename="{photos.photo_filename(photo)}"'
    response["Cache-Control"] = "no-store, private"
    return response


@never_cache
@login_required
@require_POST
def chart_template_save(request: HttpRequest, reference: str) -> HttpResponse:
    """Keep this session's saved draft as one of the therapist's own templates."""
    appointment = _own_appointment(request, reference)
    try:
        template_save_own(
            user=request.user, name=request.POST.get("name", ""), note=load_note(appointment)
        )
    except ChartError as error:
        return _edit_page(request, appointment, error=error.message)
    messages.success(request, "Saved as one of your templates.")
    return redirect(PORTAL_APPOINTMENT, appointment.reference)


@never_cache
@login_required
@require_POST
def chart_phrase_add(request: HttpRequest, reference: str) -> HttpResponse:
    """Add one of the therapist's own quick phrases."""
    appointment = _own_appointment(request, reference)
    try:
        phrase_add_own(user=request.user, text=request.POST.get("text", ""))
    except ChartError as error:
        return _edit_page(request, appointment, error=error.message)
    messages.success(request, "Quick phrase added.")
    return redirect(PORTAL_APPOINTMENT, appointment.reference)
