"""The client's pages of the intake re-confirmation (issue #13): the private link from the
"has anything changed?" e-mail. Thin: the rules are in `bookings.reconfirmation`.

- GET `/reconfirm/<token>/`: the current answers (the client's own logged read) and a
  one-tap "Nothing has changed" (a POST: a mail scanner opening the link confirms nothing);
- `/reconfirm/<token>/change/`: the booking's intake form, filled in from the current
  answers (not when they are outdated: then answered afresh, and the page says why).

A wrong token answers 404; a link whose session started, or was cancelled or completed,
answers 410 with a page saying so. Rate-limited per address like the manage links.
"""

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from bookings import reconfirmation
from bookings.forms import IntakeForm
from bookings.models import AppointmentEvent
from bookings.reconfirmation_links import reconfirmation_link_find
from bookings.services import BookingError
from core import rate_limits
from health import questionnaires, screening
from health.intake_currency import intake_currency
from health.models import ReconfirmationLink

NOT_A_LINK = "This link is not valid. Please use the link in your latest e-mail from us."


def _closed(request: HttpRequest, message: str, status: int) -> HttpResponse:
    return render(request, "bookings/reconfirm_closed.html", {"message": message}, status=status)


def _open_link(request: HttpRequest, token: str) -> ReconfirmationLink | HttpResponse:
    """The usable link, or the 404/410 page to answer with."""
    link = reconfirmation_link_find(token)
    if link is None:
        return _closed(request, NOT_A_LINK, 404)
    problem = reconfirmation.link_problem(link.appointment, now=timezone.now())
    if problem:
        return _closed(request, problem, 410)
    return link


def _done(request: HttpRequest, result: reconfirmation.Result, token: str) -> HttpResponse:
    if result.kind in (reconfirmation.UNCHANGED, reconfirmation.RECORDED):
        messages.success(
            request,
            "Thank you: nothing changed, see you soon."
            if result.kind == reconfirmation.UNCHANGED
            else "Thank you: your updated answers are with your therapist.",
        )
        return redirect("bookings:reconfirm", token)
    return render(
        request,
        "bookings/reconfirm_done.html",
        {"result": result, "appointment": result.appointment},
    )


def _last_confirmation(link: ReconfirmationLink) -> AppointmentEvent | None:
    return (
        link.appointment.events.filter(kind=AppointmentEvent.Kind.RECONFIRMED)
        .order_by("-at", "-id")
        .first()
    )


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
@require_http_methods(["GET", "POST"])
def reconfirm(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open_link(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    link = opened
    if request.method == "POST":
        try:
            result = reconfirmation.reconfirm_unchanged(link=link)
        except reconfirmation.LinkClosed as closed:
            return _closed(request, closed.message, 410)
        except BookingError:  # outdated answers: the whole questionnaire again
            return redirect("bookings:reconfirm_change", token)
        return _done(request, result, token)
    answers = reconfirmation.reconfirm_page_answers(link=link)
    rows = [
        (question.text, screening.answer_text(question, answers.get(question.key)))
        for question in questionnaires.QUESTIONS
        if question.kind != questionnaires.MUST_BE_TRUE
    ]
    appointment = link.appointment
    return render(
        request,
        "bookings/reconfirm.html",
        {
            "appointment": appointment,
            "rows": rows,
            "token": token,
            "currency": intake_currency(appointment.intake),
            "last": _last_confirmation(link),
        },
    )


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
@require_http_methods(["GET", "POST"])
def reconfirm_change(request: HttpRequest, token: str) -> HttpResponse:
    opened = _open_link(request, token)
    if isinstance(opened, HttpResponse):
        return opened
    link = opened
    currency = intake_currency(link.appointment.intake)
    if request.method == "POST":
        form = IntakeForm(request.POST)
        if form.is_valid():
            try:
                result = reconfirmation.reconfirm_change(link=link, answers=form.answers())
            except reconfirmation.LinkClosed as closed:
                return _closed(request, closed.message, 410)
            except BookingError as error:
                for key, message in error.errors.items():
                    form.add_error(key if key in form.fields else None, message)
            else:
                return _done(request, result, token)
    else:
        answers = {}
        if currency.is_current:
            answers = reconfirmation.reconfirm_page_answers(link=link)
            for question in questionnaires.QUESTIONS:
                if question.kind == questionnaires.MUST_BE_TRUE:
                    answers.pop(question.key, None)
        form = IntakeForm(initial=IntakeForm.initial_from_answers(answers))
    form.helper.inputs[0].value = "Save my answers"
    return render(
        request,
        "bookings/reconfirm_change.html",
        {"appointment": link.appointment, "form": form, "token": token, "currency": currency},
        status=400 if form.errors else 200,
    )
