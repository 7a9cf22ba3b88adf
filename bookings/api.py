"""The public JSON API (SPEC "Public HTTP interface"): the slot picker and outside integrations.

Everything here is translation. An endpoint checks the *shape* of the request (types, formats,
lengths), resolves slugs to rows, calls `bookings.schedules` or `bookings.services` (the one
place of the clinic's rules) and turns the answer, or the `BookingError`, into HTTP:

- 200/201: the answer; datetimes in the clinic's time zone with their UTC offset.
- 400: the body is not JSON at all; 413: the body is too large.
- 404: an unknown service, therapist or booking. Unknown slugs in a booking request are 404
  too (not 422), so a client sees the same answer for `/api/availability` and `/api/bookings`.
- 409: the request was fine but the clinic's state says no: the slot was just taken (with
  nearby alternatives), or the booking can no longer be changed online.
- 422: the request is well-formed JSON but something in it is wrong, or the intake was
  declined. Always `{"detail", "code", "errors": {"field": "message"}}` with dotted field
  names such as `client.email` or `intake.pregnancy`, so a form can put each message by its
  field. Answers to an older questionnaire that today's questions cannot take over get
  `questionnaire_outdated` with today's questions (docs/api-versions.md).

Nothing is written unless the booking (or cancellation) succeeds: the services run in one
transaction and refuse before writing.
"""

import datetime as dt
import logging
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_ratelimit.decorators import ratelimit
from ninja import NinjaAPI, Query, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser

from bookings import availability, booking_changes, schedule_cache, schedule_catalog, services
from bookings.api_errors import (
    ApiError,
    _field_name,
    _from_booking_error,
    _intake_field,
    _invalid,
    _not_found,
)
from bookings.api_schemas import (
    ALTERNATIVE_DAYS,
    ALTERNATIVES,
    ANY,
    FIELD_HINTS,
    MAX_ERRORS,
    TOKEN,
    TOO_MANY,
    AvailabilityOut,
    AvailabilityQuery,
    BookingIn,
    BookingOut,
    CancelIn,
    CancelOut,
    ConflictOut,
    ErrorOut,
    OutdatedOut,
    QuestionsQuery,
    ServiceOut,
    TherapistOut,
)
from bookings.forms import ContactForm
from bookings.models import Appointment, Service, Style, is_reference
from bookings.schedules import available_slots
from core import outage, rate_limits
from core.clock import clinic_today, clinic_tz
from health import answer_translation, api_intake, questionnaires, screening
from therapists import qualifications
from therapists.clinic_time import REACH_MESSAGE, date_within_reach
from therapists.models import Therapist

logger = logging.getLogger(__name__)

JSON_MEDIA_TYPE = "application/json"
NOT_JSON = "Send the request body as JSON with the header Content-Type: application/json."


class NotJsonMediaType(Exception):
    """The body was sent under another media type (text/plain, a form...)."""


class JsonOnlyParser(Parser):
    """Read a body only when it is declared as JSON.

    A page on another site can make a visitor's browser POST `text/plain` (or a form)
    without asking first, but not `application/json`: the browser's CORS preflight stops
    that. Accepting JSON under any other media type would let any site book in a visitor's
    name, so every API endpoint that reads a body refuses it (415) here, in one place.
    """

    def parse_body(self, request: HttpRequest):
        if request.content_type != JSON_MEDIA_TYPE:
            raise NotJsonMediaType(request.content_type)
        return super().parse_body(request)


api = NinjaAPI(
    parser=JsonOnlyParser(),
    title="Ashiatsu Clinic API",
    version="1",
    urls_namespace="api",
    description=(
        "Services, therapists, free slots, booking with the back-health intake, and "
        "cancelling through the private manage token. Times are ISO-8601 with a UTC offset.\n\n"
        f"**Intake versions.** The health questions are versioned (today: version "
        f"{questionnaires.QUESTIONNAIRE_VERSION}); `GET /api/intake/questions?version=N` serves "
        "version N's questions with the rules each answer triggers. A booking says which "
        "version its `intake` answers (`questionnaire_version`; left out: the version whose "
        "question keys the answers use). Older answers are carried over to today's questions "
        'where they mean the same; where they do not (e.g. version 2\'s `"pregnant": false` '
        "does not say whether a pregnancy ended in the last 12 weeks) the answer is 422 "
        "`questionnaire_outdated` with today's questions, and nothing is booked."
    ),
)


@api.exception_handler(ValidationError)
def _validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    """Ninja's per-parameter errors in the API's one error shape, one message per field."""
    errors: dict[str, str] = {}
    for error in exc.errors[:MAX_ERRORS]:  # a body with 10,000 unknown keys gets 50 lines
        field = _field_name(tuple(error.get("loc", ())))
        message = FIELD_HINTS.get(field, error.get("msg", "This value is not valid."))
        if error.get("type") == "missing" and field not in FIELD_HINTS:
            message = "This field is required."
        errors.setdefault(field, message)
    return _respond(request, _invalid(errors))


@api.exception_handler(ApiError)
def _api_error(request: HttpRequest, exc: ApiError) -> HttpResponse:
    return _respond(request, exc)


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """Ninja raises HttpError(400) when the body is not JSON at all, or (from the parser)
    when it is not declared as JSON."""
    if isinstance(exc.__cause__, NotJsonMediaType):
        return _respond(request, ApiError(415, NOT_JSON, code="unsupported_media_type"))
    if exc.status_code == 400:
        detail = "The request body is not valid JSON. Send a JSON object."
        return _respond(request, ApiError(400, detail, code="malformed_json"))
    return _respond(request, ApiError(exc.status_code, str(exc), code="http_error"))


@api.exception_handler(SuspiciousOperation)
def _suspicious(request: HttpRequest, exc: SuspiciousOperation) -> HttpResponse:
    if isinstance(exc, RequestDataTooBig):
        return _respond(request, ApiError(413, "The request is too large.", code="too_large"))
    return _respond(request, ApiError(400, "The request was refused.", code="bad_request"))


@api.exception_handler(Http404)
def _http404(request: HttpRequest, exc: Http404) -> HttpResponse:
    return _respond(request, _not_found("Not found."))


@api.exception_handler(outage.OperationalError)
@api.exception_handler(outage.InterfaceError)
def _database_away(request: HttpRequest, exc: Exception) -> HttpResponse:
    """The database restarting is nobody's bug: 503, come back in a minute."""
    logger.warning("Database unavailable for %s %s: %s", request.method, request.path, exc)
    return outage.outage_response(request)


@api.exception_handler(Exception)
def _unexpected(request: HttpRequest, exc: Exception) -> HttpResponse:
    """A bug, not the client's fault: log it, and still answer in JSON."""
    logger.exception("Unexpected error in %s %s", request.method, request.path)
    detail = f"Something went wrong on our side. Please try again or call {settings.CLINIC_PHONE}."
    return _respond(request, ApiError(500, detail, code="server_error"))


def _respond(request: HttpRequest, error: ApiError) -> HttpResponse:
    return api.create_response(request, error.body, status=error.status)


def rate_limited(request: HttpRequest) -> HttpResponse:
    """The API's 429 (code `rate_limited`), for settings.RATELIMIT_VIEW: django-ratelimit
    counts a request before anything else, even before its body is parsed."""
    return _respond(request, ApiError(429, TOO_MANY, code="rate_limited"))


# --- helpers -----------------------------------------------------------------------------


def _service(slug: str) -> Service:
    """Only services the clinic offers (those /api/services lists) can be looked up."""
    service = schedule_catalog.service(slug)
    if service is None:
        raise _not_found(f"There is no service called {slug!r}. See /api/services.")
    return service


def _therapist(slug: str) -> Therapist | None:
    """None means "any therapist"; inactive therapists are unknown to clients."""
    if slug == ANY:
        return None
    therapist = schedule_catalog.therapist(slug)
    if therapist is None:
        raise _not_found(f"There is no therapist called {slug!r}. See /api/therapists.")
    return therapist


def _sanity_error(day: dt.date) -> str | None:
    if not date_within_reach(day, today=clinic_today()):
        return REACH_MESSAGE
    return None


def _slots_out(slots: list[availability.Slot]) -> list[dict[str, Any]]:
    """Slots as the API shows them, with each therapist's name (the schedule catalog's)."""
    zone = clinic_tz()
    names = schedule_catalog.display_names()
    return [
        {
            "start": timezone.localtime(slot.start, zone),
            "end": timezone.localtime(slot.end, zone),
            "therapist": slot.therapist_slug,
            "therapist_name": names.get(slot.therapist_id, ""),
        }
        for slot in slots
    ]


def _alternatives(
    service: Service, therapist: Therapist | None, error: services.BookingError, start: dt.datetime
) -> list[dict[str, Any]]:
    """Up to five free slots near a taken one, for the same service and therapist choice:
    the same day first (closest in time), then the next days in order. The day's come from
    the schedule the booking just checked (`BookingError.free_that_day`; one therapist's or
    "any" alike, one slot per start), so a lost race costs no second read of the calendar."""
    zone = clinic_tz()
    day = start.astimezone(zone).date()
    now = schedule_cache.moment(timezone.now())

    def listed(first_day: dt.date, days: int) -> list[availability.Slot]:
        return available_slots(
            service=service, therapist=therapist, first_day=first_day, days=days, now=now
        )

    that_day = error.free_that_day() if error.free_that_day is not None else listed(day, 1)
    found = sorted(that_day, key=lambda s: abs(s.start - start))
    # Then the next days in order, up to the week: the next day alone first (it usually
    # has enough, and one day is a fraction of the rest), then the other days at once.
    next_day = day + dt.timedelta(days=1)
    for days in (1, ALTERNATIVE_DAYS - 2):
        if len(found) >= ALTERNATIVES:
            break
        found += listed(next_day, days)
        next_day += dt.timedelta(days=days)
    return _slots_out(found[:ALTERNATIVES])


OUTDATED = "questionnaire_outdated"
UNKNOWN_VERSION = "unknown_questionnaire_version"


def _unknown_version(version: int, status: int, field: str) -> ApiError:
    known = ", ".join(map(str, sorted(questionnaires.QUESTIONNAIRES)))
    detail = f"There is no questionnaire version {version}; the versions are {known}."
    return ApiError(status, detail, code=UNKNOWN_VERSION, errors={field: detail})


def _current_answers(payload: BookingIn) -> dict[str, Any]:
    """The intake as answers to today's questionnaire: today's as they are, an older
    version's checked under its own questions first (so a malformed old answer is named by
    its old key) and then carried over by `answer_translation.translate_answers`, the one table."""
    version = payload.questionnaire_version or answer_translation.answers_version(payload.intake)
    if version not in questionnaires.QUESTIONNAIRES:
        raise _unknown_version(version, 422, "questionnaire_version")
    if version == questionnaires.QUESTIONNAIRE_VERSION:
        return payload.intake
    try:
        old = screening.validate_answers(payload.intake, version=version, today=clinic_today())
        return answer_translation.translate_answers(old, version=version)
    except screening.InvalidAnswers as error:
        errors = {_intake_field(key): message for key, message in error.errors.items()}
        raise _invalid(errors, code=services.INVALID_INTAKE) from error
    except answer_translation.QuestionnaireOutdated as error:
        raise ApiError(
            422,
            f"These answers are to questionnaire version {version}, and some of them do not "
            f"answer today's questions (version {questionnaires.QUESTIONNAIRE_VERSION}). Ask the "
            "questions below and send their answers with questionnaire_version "
            f"{questionnaires.QUESTIONNAIRE_VERSION}.",
            code=OUTDATED,
            errors={_intake_field(k): why for k, why in error.untranslatable.items()},
            questionnaire_version=questionnaires.QUESTIONNAIRE_VERSION,
            questions=api_intake.questions(),
        ) from error


def _request_errors(
    payload: BookingIn, answers: dict[str, Any]
) -> tuple[dict[str, str], ContactForm]:
    """Field errors of a booking request that need no database: the start's sanity bound,
    the contact details (ContactForm owns those rules) and the intake's answers (screening
    owns those). Collected together so a form can show every message at once."""
    errors: dict[str, str] = {}
    if problem := _sanity_error(payload.start.date()):
        errors["start"] = problem
    contact = ContactForm(data=payload.client.model_dump())
    for field, messages in contact.errors.items():
        errors[f"client.{field}"] = " ".join(messages)
    try:
        screening.validate_answers(answers, today=clinic_today())
    except screening.InvalidAnswers as error:
        errors.update({_intake_field(key): message for key, message in error.errors.items()})
    return errors, contact


# --- endpoints ---------------------------------------------------------------------------


@api.get("/services", response=list[ServiceOut], tags=["catalogue"])
def list_services(request: HttpRequest):
    """The services clients can book now: a style for a duration at a price."""
    return [
        {
            "slug": service.slug,
            "name": service.name,
            "style": service.style.slug,
            "duration_minutes": service.duration_minutes,
            "price": str(service.price),
        }
        for service in Service.objects.filter(active=True).select_related("style")
    ]


@api.get("/therapists", response=list[TherapistOut], tags=["catalogue"])
def list_therapists(request: HttpRequest):
    """Active therapists and the styles they may perform today.

    Walking on a back done wrongly injures the client, so a style is listed only while a
    verified certification for it *and* a verified massage licence are valid today (the
    same `therapists.qualifications` rule that offers slots). Three queries: therapists,
    their credentials valid today (prefetched), styles.
    """
    today = clinic_today()
    therapists = Therapist.objects.filter(active=True).prefetch_related(
        Prefetch("credentials", queryset=qualifications.valid_credentials(today))
    )
    styles = {style.slug: style.required_credential for style in Style.objects.order_by("slug")}
    return [
        {
            "slug": therapist.slug,
            "name": therapist.display_name,
            "bio": therapist.bio,
            "styles": qualifications.styles_on(
                [qualifications.span_of(c) for c in therapist.credentials.all()], today, styles
            ),
        }
        for therapist in therapists
    ]


@api.get(
    "/availability",
    response={200: AvailabilityOut, 404: ErrorOut, 422: ErrorOut},
    tags=["booking"],
)
def get_availability(request: HttpRequest, params: Query[AvailabilityQuery]):
    """Free start times for a service, from `date` (default today, clinic zone) for `days`.

    With `therapist=any` each start appears once, given to the least busy therapist that day
    (walking on backs is hard work; the load is spread). A fixed number of queries whatever
    the number of therapists, days or bookings.
    """
    service = _service(params.service)
    therapist = _therapist(params.therapist)
    first_day = params.date or clinic_today()
    if problem := _sanity_error(first_day):
        raise _invalid({"date": problem})
    now = schedule_cache.moment(timezone.now())

    def answer() -> bytes:
        slots = available_slots(
            service=service, therapist=therapist, first_day=first_day, days=params.days, now=now
        )
        # Rendered straight to JSON: the answer is built here from trusted values, and
        # checking ~350 slots against AvailabilityOut again took a third of the request
        # (the schema still documents it; a test compares the answer with it).
        return api.create_response(
            request,
            {"timezone": settings.CLINIC_TIME_ZONE, "slots": _slots_out(slots)},
            status=200,
        ).content

    body = schedule_cache.cached(
        "api-availability",
        (service.pk, therapist.pk if therapist else ANY, first_day, params.days, now),
        answer,
    )
    return HttpResponse(body, content_type="application/json; charset=utf-8")


@api.post(
    "/bookings",
    response={
        201: BookingOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ConflictOut,
        415: ErrorOut,
        422: OutdatedOut,
        429: ErrorOut,
    },
    tags=["booking"],
)
@decorate_view(ratelimit(group=rate_limits.BOOKING, key="ip", rate=rate_limits.booking_rate))
def create_booking(request: HttpRequest, payload: BookingIn):
    """Book a session; the intake decides whether and how it may happen.

    201 with the reference, status (`confirmed`, or `pending_review` when clinical staff
    must clear the intake first), the screening outcome with its plain reasons, and the
    private manage link (shown once: only its hash is stored). 409 `taken` with nearby
    alternatives when someone else just got the slot. 422 for invalid input (an event date
    in the future, say), a time the clinic does not offer (code = the reason, e.g.
    `outside_hours`, `too_soon`), a declined intake (code `declined`), or a time before
    the day a dated answer allows (code `bookable_later`: "You can book from …"), answers
    to an older questionnaire that today's questions cannot take over (code
    `questionnaire_outdated`, with today's `questions`), or an unknown
    `questionnaire_version` (code `unknown_questionnaire_version`). 404 for an unknown
    service or therapist slug.
    """
    service = _service(payload.service)
    therapist = _therapist(payload.therapist)
    answers = _current_answers(payload)
    errors, contact = _request_errors(payload, answers)
    if errors:
        only_intake = all(field.startswith("intake") for field in errors)
        raise _invalid(
            errors, code=services.INVALID_INTAKE if only_intake else services.INVALID_REQUEST
        )
    try:
        result = services.booking_create(
            service=service,
            therapist=therapist,
            start=payload.start,
            client=services.ClientDetails(**contact.cleaned_data),
            answers=answers,
            language=request.LANGUAGE_CODE,  # from Accept-Language (LocaleMiddleware)
        )
    except services.BookingError as error:
        extra = {}
        if error.code == services.TAKEN:
            extra["alternatives"] = _alternatives(service, therapist, error, payload.start)
        raise _from_booking_error(error, **extra) from error
    appointment = result.appointment
    zone = clinic_tz()
    manage = reverse("bookings:manage", args=[appointment.reference, result.manage_token])
    return Status(
        201,
        {
            "reference": appointment.reference,
            "status": appointment.status,
            "outcome": result.screening.outcome,
            "reasons": list(result.screening.reasons),
            "effective_pressure": result.screening.effective_pressure,
            "start": timezone.localtime(appointment.start, zone),
            "end": timezone.localtime(appointment.end, zone),
            "therapist": appointment.therapist.slug,
            "room": appointment.room.slug,
            "manage_url": request.build_absolute_uri(manage),
        },
    )


@api.post(
    "/bookings/{reference}/cancel",
    response={
        200: CancelOut,
        400: ErrorOut,
        404: ErrorOut,
        409: ErrorOut,
        415: ErrorOut,
        422: ErrorOut,
        429: ErrorOut,
    },
    tags=["booking"],
)
@decorate_view(
    ratelimit(group=rate_limits.MANAGE_LINK, key="ip", rate=rate_limits.manage_link_rate)
)
def cancel_booking(request: HttpRequest, reference: str, payload: CancelIn):
    """Cancel with the token from the manage link; the slot becomes free again.

    An unknown reference and a wrong token get the same 404, so the API never confirms that
    a reference exists. Clients may cancel until `BOOKING_CLIENT_CHANGE_CUTOFF_HOURS` (24) hours before the start; later (or once
    cancelled or completed) the answer is 409 with the reason: please call the clinic.
    """
    appointment = None
    # References are matched ignoring case, as on the booking pages.
    reference = reference.upper()
    if is_reference(reference) and TOKEN.fullmatch(payload.token):
        appointment = Appointment.objects.filter(reference=reference).first()
    if appointment is None or not appointment.manage_token_matches(payload.token):
        raise _not_found("No booking matches this reference and token.")
    try:
        appointment = booking_changes.booking_cancel(
            appointment=appointment, reason="Cancelled by the client through the API"
        )
    except services.BookingError as error:
        raise _from_booking_error(error) from error
    return {"reference": appointment.reference, "status": appointment.status}


@api.get(
    "/intake/questions",
    response={200: api_intake.QuestionnaireOut, 404: ErrorOut, 422: ErrorOut},
    tags=["booking"],
)
def intake_questions(request: HttpRequest, params: Query[QuestionsQuery]):
    """The intake questions of questionnaire `version` (default today's), in the client's
    language (Accept-Language), each with the rules its answers trigger and the words the
    client is told. An older version also lists how its answers are carried over to today's
    questions. 404 `unknown_questionnaire_version` for a version that never existed."""
    if params.version not in questionnaires.QUESTIONNAIRES:
        raise _unknown_version(params.version, 404, "version")
    return api_intake.describe(params.version)


@api.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", include_in_schema=False
)
def unknown_endpoint(request: HttpRequest, path: str):
    """Anything else under /api/ is a JSON 404 too: integrations never get an HTML page."""
    raise _not_found("There is no such API endpoint. See /api/docs.")
