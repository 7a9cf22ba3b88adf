"""The client's form pages (a booking-flow step; the before-visit link) and the staff's
signed-PDF download. Thin: `versions`, `responses` and `signing` decide."""

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from bookings import flow_steps, schedule_catalog
from clinic_forms.flow import FLOW_KEY, known_client
from clinic_forms.forms import NAME_FIELD, AnswerForm
from clinic_forms.models import AskWhen, FormResponse
from clinic_forms.responses import log_reads, may_read_response, response_save
from clinic_forms.signing import pdf_filename, response_pdf
from clinic_forms.versions import forms_due, text_of
from clinic_forms.visit_links import visit_appointment


def _form_for(version, language: str, data=None) -> tuple[AnswerForm, dict]:
    content = text_of(version.content, language)
    form = AnswerForm(data, questions=content["questions"], signed=version.is_signed)
    return form, content


def _entry(form: AnswerForm, language: str) -> dict:
    return {
        "answers": form.answers(),
        "signed_name": form.cleaned_data.get(NAME_FIELD, ""),
        "language": language,
    }


@never_cache
@require_http_methods(["GET", "POST"])
def book(request: HttpRequest, service: str, therapist: str, version: int) -> HttpResponse:
    """One form the booking asks for, after the safety questionnaire."""
    chosen = schedule_catalog.service(service)
    if chosen is None:
        raise Http404("No such service.")
    draft = flow_steps.draft_get(request, chosen, therapist)
    if not draft.get("answers"):
        return redirect("bookings:intake", chosen.slug, therapist)
    due = {d.version.pk: d for d in forms_due(service=chosen, client=known_client(request))}
    if version not in due:  # answered meanwhile, or an old version's page
        nxt = flow_steps.pending_step(request, chosen, therapist, draft)
        return redirect(nxt or reverse("bookings:contact", args=[chosen.slug, therapist]))
    language = request.LANGUAGE_CODE
    form, content = _form_for(due[version].version, language, request.POST or None)
    if request.method == "POST" and form.is_valid():
        draft.setdefault(FLOW_KEY, {})[str(version)] = _entry(form, language)
        flow_steps.draft_save(request, draft)
        nxt = flow_steps.pending_step(request, chosen, therapist, draft)
        return redirect(nxt or reverse("bookings:contact", args=[chosen.slug, therapist]))
    return render(
        request,
        "clinic_forms/answer.html",
        {
            "form": form,
            "content": content,
            "signed": due[version].version.is_signed,
            "service": chosen,
            "back_url": reverse("bookings:intake", args=[chosen.slug, therapist]),
            "in_booking": True,
        },
        status=400 if form.errors else 200,
    )


# --- The before-visit link ---------------------------------------------------------------


@never_cache
@require_http_methods(["GET", "POST"])
def visit(request: HttpRequest, token: str) -> HttpResponse:
    """The first form still to answer before the visit; a thank-you when none is left."""
    appointment = visit_appointment(token)
    due = forms_due(
        service=appointment.service, client=appointment.client, ask_when=AskWhen.BEFORE_VISIT
    )
    if not due:
        return render(request, "clinic_forms/visit_done.html", {"appointment": appointment})
    version, language = due[0].version, request.LANGUAGE_CODE
    form, content = _form_for(version, language, request.POST or None)
    if request.method == "POST" and form.is_valid():
        entry = _entry(form, language)
        response_save(version=version, client=appointment.client, appointment=appointment, **entry)
        return redirect("clinic_forms:visit", token)
    return render(
        request,
        "clinic_forms/answer.html",
        {"form": form, "content": content, "signed": version.is_signed, "in_booking": False},
        status=400 if form.errors else 200,
    )


# --- Staff ------------------------------------------------------------------------------


@never_cache
def signed_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The sealed PDF of a signed form, for staff who may read the answers (logged)."""
    response = get_object_or_404(FormResponse.objects.select_related("version__form"), pk=pk)
    if (
        not request.user.is_authenticated
        or not request.user.is_staff
        and not hasattr(request.user, "therapist")
    ):
        raise PermissionDenied(_("Staff only."))
    if not may_read_response(request.user, response):
        raise PermissionDenied(_("You may not read this client's answers."))
    try:
        data = response_pdf(response)
    except LookupError as missing:
        raise Http404(str(missing)) from missing
    log_reads(user=request.user, responses=[response], where="signed form PDF")
    answer = HttpResponse(data, content_type="application/pdf")
    answer["Content-Disposition"] = f'attachment; filename="{pdf_filename(response)}"'
    return answer
