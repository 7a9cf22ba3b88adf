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
  names such as `client.email` or `intake.pregnant`, so a form can put each message by its
  field.

Nothing is written unless the booking (or cancellation) succeeds: the services run in one
transaction and refuse before writing.
"""

import datetime as dt
import logging
import re
from typing import Annotated, Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig, SuspiciousOperation
from django.db.models import Prefetch
from django.http import Http404, HttpRequest, HttpResponse
from django.urls import reverse
from django.utils import timezone
from django_ratelimit.decorators import ratelimit
from ninja import NinjaAPI, Query, Schema, Status
from ninja.decorators import decorate_view
from ninja.errors import HttpError, ValidationError
from ninja.parser import Parser
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from bookings import (
    availability,
    body_regions,
    schedule_cache,
    schedule_catalog,
    screening,
    services,
)
from bookings.forms import ContactForm
from bookings.models import Appointment, Service, Style, is_reference
from bookings.schedules import available_slots
from core import outage, rate_limits
from core.clock import clinic_today, clinic_tz
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
        "cancelling through the private manage token. Times are ISO-8601 with a UTC offset."
    ),
)

ANY = "any"
TOO_MANY = "Too many requests from your address. Please wait a minute and try again."
MAX_DAYS = 60
ALTERNATIVES = 5
ALTERNATIVE_DAYS = 7
MAX_ERRORS = 50
SLUG_PATTERN = r"^[-a-zA-Z0-9_]+$"

TOKEN = re.compile(r"[-A-Za-z0-9_]{1,200}")

# Shown instead of pydantic's wording for these fields: what to send, not what went wrong.
FIELD_HINTS = {
    "service": "Give a service slug from /api/services.",
    "therapist": 'Give a therapist slug from /api/therapists, or "any".',
    "start": (
        "Give the start as an ISO-8601 date and time with its UTC offset, "
        "e.g. 2026-12-01T10:00:00-05:00."
    ),
    "date": "Give the date as YYYY-MM-DD, e.g. 2026-12-01.",
    "days": f"Give a whole number of days from 1 to {MAX_DAYS}.",
    "token": "Give the manage token from your booking link.",
    "body": "Send a JSON object.",
}


# --- input shapes ------------------------------------------------------------------------


def _storable_text(value: str) -> str:
    """Text must survive the database: PostgreSQL refuses NUL, UTF-8 refuses lone surrogates."""
    if "\x00" in value:
        raise PydanticCustomError("nul_character", "Remove the NUL character from this text.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise PydanticCustomError("bad_unicode", "This text contains invalid characters.") from None
    return value


def _intake_answer(value: Any) -> Any:
    """Answers are yes/no, words, or (for the body map) a list of region names; the
    questionnaire (`screening`) judges them, this only keeps out objects, nested lists and
    text the database cannot store."""
    if isinstance(value, list):
        if len(value) > len(body_regions.REGIONS) or not all(isinstance(v, str) for v in value):
            raise PydanticCustomError("answer_type", "Give body-map regions as a list of names.")
        return [_storable_text(v) for v in value]
    if isinstance(value, dict):
        raise PydanticCustomError("answer_type", "Answer with true, false, text or a list.")
    if isinstance(value, str):
        return _storable_text(value)
    return value


def _start_text(value: Any) -> Any:
    """Only an ISO-8601 string is a start time (pydantic would read 1733065200 as one)."""
    if not isinstance(value, str) or len(value) > 64:
        raise PydanticCustomError("start", FIELD_HINTS["start"])
    return value


def _iso_date(value: Any) -> Any:
    """Only YYYY-MM-DD is a date (pydantic would read "0" as 1970-01-01); empty means today."""
    if value is None or value == "":
        return None
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError("date", FIELD_HINTS["date"])
    return value


Slug = Annotated[str, Field(max_length=50, pattern=SLUG_PATTERN)]
Text = Annotated[str, AfterValidator(_storable_text)]
StartTime = Annotated[AwareDatetime, BeforeValidator(_start_text)]
IsoDate = Annotated[dt.date | None, BeforeValidator(_iso_date)]
Answer = Annotated[Any, AfterValidator(_intake_answer)]


class ClientIn(Schema):
    model_config = ConfigDict(extra="forbid")

    name: Text
    email: Text
    phone: Text


class BookingIn(Schema):
    model_config = ConfigDict(extra="forbid")

    service: Slug
    therapist: Slug = Field(description='A therapist slug, or "any".')
    start: StartTime = Field(description="ISO-8601 with offset, e.g. 2026-12-01T10:00:00-05:00")
    client: ClientIn
    intake: dict[str, Answer] = Field(
        description=(
            "Every question of the intake (questionnaire version 3), keyed as in docs/intake.md "
            "(e.g. `pregnancy`). Dated answers are YYYY-MM-DD strings, required only when the "
            "answer before them asks (`spinal_surgery_date` when `spinal_surgery` is "
            "`within_12_months`, `fracture_date` when `fracture_recent` is true, "
            "`pregnancy_end_date` when `pregnancy` is `ended`), otherwise null or left out."
        )
    )


class CancelIn(Schema):
    model_config = ConfigDict(extra="forbid")

    token: str = Field(max_length=200, description="The token from the manage link.")


class AvailabilityQuery(Schema):
    service: Slug
    date: IsoDate = Field(None, description="First local day, YYYY-MM-DD; default today.")
    days: int = Field(7, ge=1, le=MAX_DAYS, description=f"Number of days, 1 to {MAX_DAYS}.")
    therapist: Slug = Field(ANY, description='A therapist slug, or "any" (the default).')


# --- output shapes -----------------------------------------------------------------------


class ServiceOut(Schema):
    slug: str
    name: str
    style: str
    duration_minutes: int
    price: str = Field(description='Decimal as a string, e.g. "120.00".')


class TherapistOut(Schema):
    slug: str
    name: str
    bio: str
    styles: list[str] = Field(description="Style slugs the therapist may perform today.")


class SlotOut(Schema):
    start: dt.datetime
    end: dt.datetime
    therapist: str
    therapist_name: str


class AvailabilityOut(Schema):
    timezone: str
    slots: list[SlotOut]


class BookingOut(Schema):
    reference: str
    status: str
    outcome: str
    reasons: list[str]
    effective_pressure: str
    start: dt.datetime
    end: dt.datetime
    therapist: str
    room: str
    manage_url: str


class CancelOut(Schema):
    reference: str
    status: str


class ErrorOut(Schema):
    detail: str
    code: str
    errors: dict[str, str] = {}


class ConflictOut(ErrorOut):
    alternatives: list[SlotOut] = []


# --- errors ------------------------------------------------------------------------------


class ApiError(Exception):
    """An answer other than success, already phrased for the client."""

    def __init__(self, status: int, detail: str, *, code: str, errors=None, **extra: Any):
        super().__init__(detail)
        self.status = status
        self.body = {"detail": detail, "code": code, "errors": dict(errors or {}), **extra}


def _not_found(detail: str) -> ApiError:
    return ApiError(404, detail, code="not_found")


def _invalid(errors: dict[str, str], *, code: str = services.INVALID_REQUEST) -> ApiError:
    return ApiError(422, f"Please correct: {', '.join(errors)}.", code=code, errors=errors)


CONFLICT_CODES = {services.TAKEN, services.TOO_LATE_TO_CHANGE, services.NOT_CHANGEABLE}


def _from_booking_error(error: services.BookingError, **extra: Any) -> ApiError:
    """The one translation of the services' refusals to HTTP.

    "Taken" and "too late to change" are 409: the request was right, the clinic's calendar
    moved. A declined intake is 422 with the plain reasons and how to reach the clinic,
    because the client should talk to a person rather than retry.
    """
    if error.code in CONFLICT_CODES:
        return ApiError(409, error.message, code=error.code, errors=error.errors, **extra)
    if error.code == services.DECLINED:
        detail = (
            f"{error.message} Walk-on-back massage is not safe for you right now, so we "
            f"cannot book this session. Please call us on {settings.CLINIC_PHONE} or e-mail "
            f"{settings.CLINIC_EMAIL} and we will help you find another treatment."
        )
        return ApiError(422, detail, code=error.code, errors={"intake": detail})
    if error.code == services.BOOKABLE_LATER and error.screening is not None:
        day = error.screening.bookable_from
        detail = f"{error.message} Please choose a time from {day:%Y-%m-%d} on."
        return ApiError(422, detail, code=error.code, errors={"start": detail})
    if error.code == services.INVALID_INTAKE:
        errors = {_intake_field(key): message for key, message in error.errors.items()}
        return ApiError(422, error.message, code=error.code, errors=errors)
    if error.code in availability.REASON_MESSAGES:
        field = "therapist" if error.code == availability.NOT_QUALIFIED else "start"
        return ApiError(422, error.message, code=error.code, errors={field: error.message})
    return ApiError(422, error.message, code=error.code, errors=error.errors)


def _intake_field(key: str) -> str:
    return "intake" if key == "intake" else f"intake.{key}"


def _field_name(location: tuple) -> str:
    """("body", "payload", "client", "email") -> "client.email"; ("query", "days") -> "days"."""
    parts = [str(part)[:100] for part in location[1:]]  # unknown keys are echoed, cut short
    if location[:1] == ("body",):
        parts = parts[1:]  # the name of the endpoint's body argument
    return ".".join(parts) if parts else "body"


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


def _request_errors(payload: BookingIn) -> tuple[dict[str, str], ContactForm]:
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
        screening.validate_answers(payload.intake, today=clinic_today())
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
        422: ErrorOut,
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
    the day a dated answer allows (code `bookable_later`: "You can book from …"). 404 for an unknown service or therapist slug.
    """
    service = _service(payload.service)
    therapist = _therapist(payload.therapist)
    errors, contact = _request_errors(payload)
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
            answers=payload.intake,
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
        appointment = services.booking_cancel(
            appointment=appointment, reason="Cancelled by the client through the API"
        )
    except services.BookingError as error:
        raise _from_booking_error(error) from error
    return {"reference": appointment.reference, "status": appointment.status}


@api.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:path}", include_in_schema=False
)
def unknown_endpoint(request: HttpRequest, path: str):
    """Anything else under /api/ is a JSON 404 too: integrations never get an HTML page."""
    raise _not_found("There is no such API endpoint. See /api/docs.")
