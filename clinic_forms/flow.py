"""The clinic's forms as a step of the booking flow (registered with bookings.flow_steps).

After the safety questionnaire the client answers each form the service asks for
(`versions.forms_due`), one page each; the answers wait in the flow's session draft under
`FLOW_KEY` and are kept on the client record once the booking is committed.
"""

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext

from bookings import clients
from bookings.flow_steps import Step
from clients.models import Client
from clinic_forms.models import AskWhen, FormVersion
from clinic_forms.responses import response_save
from clinic_forms.versions import forms_due
from clinic_forms.visit_links import visit_link

FLOW_KEY = "clinic_forms"


def known_client(request):
    """The client record the booking is for, when we know it (signed in by their e-mail
    link); staff booking on the public pages book for someone else: None."""
    if clients.is_staff_booker(request.user):
        return None
    return getattr(request, "client_record", None)


def pending(request, service, therapist_slug: str, draft: dict) -> str | None:
    answered = draft.get(FLOW_KEY) or {}
    for due in forms_due(service=service, client=known_client(request)):
        if str(due.version.pk) not in answered:
            return reverse("clinic_forms:book", args=[service.slug, therapist_slug, due.version.pk])
    return None


def booked(request, appointment, draft: dict) -> None:
    answered = draft.get(FLOW_KEY) or {}
    if not answered:
        return
    # The record the booking joined (a signed-in client's booking moves onto their record).
    client = Client.objects.get(appointments=appointment)
    versions = FormVersion.objects.in_bulk([int(pk) for pk in answered])
    for pk, entry in answered.items():
        version = versions.get(int(pk))
        if version is None:
            continue
        response_save(
            version=version,
            client=client,
            appointment=appointment,
            answers=entry["answers"],
            language=entry["language"],
            signed_name=entry.get("signed_name", ""),
        )


def links(appointment) -> list[tuple[str, str]]:
    """The confirmation's link to the forms this booking asks for before the visit."""
    due = forms_due(
        service=appointment.service, client=appointment.client, ask_when=AskWhen.BEFORE_VISIT
    )
    if not due:
        return []
    titles = ", ".join(
        d.version.content["title"].get(appointment.language, "") or d.form.name for d in due
    )
    return [
        (
            gettext("Forms: %(titles)s") % {"titles": titles},
            settings.SITE_URL + visit_link(appointment),
        )
    ]


STEP = Step(pending=pending, booked=booked, links=links)
