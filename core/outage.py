"""The answer while the database is away: a short 503 that says when to try again.

When PostgreSQL restarts (an upgrade, a failover, a crash) every request that needs it fails
for a few seconds. A visitor should then see "try again in a minute", not the generic error
page, and a program calling the API should get JSON with `Retry-After` it can act on; neither
may wait on a dead connection (settings: a connect timeout, and Django's connection health
checks so the first request after the restart gets a fresh connection).

Every entry point answers through `outage_response`: `DatabaseOutageMiddleware` for errors
raised in a view, `server_error` (the project's handler500) for those raised in another
middleware (the session, the schedule catalog), and the API's own exception handler.
The page is rendered without the request's context processors, which would read the
signed-in user from the very database that is away.
"""

import logging
import sys

from django.db.utils import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views import defaults

logger = logging.getLogger(__name__)

# Seconds a client is asked to wait: PostgreSQL restarts in seconds, fails over in under one.
RETRY_AFTER_SECONDS = 30
OUTAGE_ERRORS = (OperationalError, InterfaceError)


def is_outage(error: BaseException | None) -> bool:
    """Whether `error` means the database cannot be reached (not a bug in a query: those
    raise ProgrammingError, IntegrityError or DataError and stay 500s)."""
    return isinstance(error, OUTAGE_ERRORS)


def outage_response(request: HttpRequest) -> HttpResponse:
    detail = _("The clinic's system is briefly unavailable. Please try again in a minute.")
    if request.path.startswith("/api/"):
        response: HttpResponse = JsonResponse(
            # The API's one error shape (bookings.api.ApiError), plus when to come back.
            {
                "detail": detail,
                "code": "unavailable",
                "errors": {},
                "retry_after": RETRY_AFTER_SECONDS,
            },
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    response["Cache-Control"] = "no-store"
    return response


class DatabaseOutageMiddleware:
    """A view that fails because the database is away answers 503 (logged as one line)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception):
        if not is_outage(exception):
            return None
        logger.warning(
            "Database unavailable for %s %s: %s", request.method, request.path, exception
        )
        return outage_response(request)


def server_error(request: HttpRequest) -> HttpResponse:
    """handler500: the outage page when the error in hand is the database being away (raised
    outside a view), Django's 500 page otherwise."""
    if is_outage(sys.exc_info()[1]):
        return outage_response(request)
    return defaults.server_error(request)
