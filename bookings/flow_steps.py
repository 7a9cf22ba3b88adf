"""Steps that apps above bookings add to the public booking flow, without bookings importing them.

The flow (intake -> details -> booking) is bookings' own. An app above it (the clinic's
forms) registers a step in its `AppConfig.ready`:

- `pending(request, service, therapist_slug, draft)` returns the URL of the app's page that
  the client must still go through for this draft, or None. After the safety questionnaire
  the flow goes to the first pending step; the details and booking screen send the client
  back there while one is pending, so no booking skips it.
- `booked(request, appointment, draft)` runs once the booking is committed, with the draft
  the client filled in (the app keeps what its step put there).
- `links(appointment)` returns (label, absolute URL) pairs the confirmation page and the
  confirmation e-mail show the client (the forms to fill in before the visit).

The app keeps its part of the draft under its own key (`draft_get`/`draft_save` below:
the same session draft the flow uses, for the same service and therapist).
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from bookings.models import Appointment, Service

DRAFT_KEY = "booking_draft"  # the flow's session draft (bookings.views.DRAFT_KEY)


@dataclass(frozen=True)
class Step:
    pending: Callable[[HttpRequest, Service, str, dict], str | None]
    booked: Callable[[HttpRequest, Appointment, dict], None] | None = None
    links: Callable[[Appointment], list[tuple[str, str]]] | None = None


_steps: dict[str, Step] = {}


def step_register(key: str, step: Step) -> None:
    _steps[key] = step


def step_unregister(key: str) -> None:
    _steps.pop(key, None)


def pending_step(
    request: HttpRequest, service: Service, therapist_slug: str, draft: dict
) -> str | None:
    """The URL of the first registered step this draft still needs, or None."""
    for step in _steps.values():
        url = step.pending(request, service, therapist_slug, draft)
        if url:
            return url
    return None


def steps_booked(request: HttpRequest, appointment: Appointment, draft: dict) -> None:
    for step in _steps.values():
        if step.booked is not None:
            step.booked(request, appointment, draft)


def confirmation_links(appointment: Appointment) -> list[tuple[str, str]]:
    """What the registered steps ask the client to do after booking: (label, URL) pairs."""
    return [link for step in _steps.values() if step.links for link in step.links(appointment)]


def draft_get(request: HttpRequest, service: Service, therapist_slug: str) -> dict[str, Any]:
    """The flow's draft for this service and therapist (empty when the client changed them)."""
    draft = request.session.get(DRAFT_KEY) or {}
    if draft.get("service") != service.slug or draft.get("therapist") != therapist_slug:
        return {}
    return draft


def draft_save(request: HttpRequest, draft: dict[str, Any]) -> None:
    request.session[DRAFT_KEY] = draft
