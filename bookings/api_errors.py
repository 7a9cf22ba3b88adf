"""The public JSON API's one error shape, and the one translation of the booking services'
refusals (`BookingError`) to HTTP statuses.
"""

from typing import Any

from django.conf import settings

from bookings import availability, services


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
