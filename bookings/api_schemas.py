"""The public JSON API's shapes: what a request may hold (types, formats, lengths, with
hints that say what to send) and what each answer looks like, for `bookings.api` and its
OpenAPI schema.
"""

import datetime as dt
import re
from typing import Annotated, Any

from ninja import Schema
from pydantic import AfterValidator, AwareDatetime, BeforeValidator, ConfigDict, Field
from pydantic_core import PydanticCustomError

from health import api_intake, body_regions, questionnaires

ANY = "any"
MAX_VERSION = 1000  # a bound for the schema; versions are counted from 1
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
    "questionnaire_version": "Give the questionnaire version as a whole number, e.g. 3.",
    "version": "Give the questionnaire version as a whole number, e.g. 3.",
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
    questionnaire_version: int | None = Field(
        None,
        ge=1,
        le=MAX_VERSION,
        description=(
            "The questionnaire version `intake` answers (see `GET /api/intake/questions`). "
            f"Today's is {questionnaires.QUESTIONNAIRE_VERSION}. Left out: the newest version whose "
            "question keys hold every answer (clients from before versions were named send "
            "version 1/2 keys such as `pregnant`). Older answers are carried over where they "
            "mean the same today, else 422 `questionnaire_outdated` with today's questions."
        ),
    )
    intake: dict[str, Answer] = Field(
        description=(
            "Every question of the intake, keyed as `GET /api/intake/questions` lists them "
            f"(version {questionnaires.QUESTIONNAIRE_VERSION}: e.g. `pregnancy`). Dated answers are "
            "YYYY-MM-DD strings, required only when the answer before them asks "
            "(`spinal_surgery_date` when `spinal_surgery` is `within_12_months`, "
            "`fracture_date` when `fracture_recent` is true, `pregnancy_end_date` when "
            "`pregnancy` is `ended`), otherwise null or left out."
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


class OutdatedOut(ErrorOut):
    """422 `questionnaire_outdated`: `errors` names each old answer that today's questions
    cannot take over (`intake.pregnant`: why); `questions` are today's, to ask instead."""

    questionnaire_version: int | None = Field(
        None, description="Today's version (only with `questionnaire_outdated`)."
    )
    questions: list[api_intake.QuestionOut] = Field(
        [], description="Today's questions (only with `questionnaire_outdated`)."
    )


class QuestionsQuery(Schema):
    version: int = Field(
        questionnaires.QUESTIONNAIRE_VERSION,
        ge=1,
        le=MAX_VERSION,
        description="The questionnaire version; default today's.",
    )
