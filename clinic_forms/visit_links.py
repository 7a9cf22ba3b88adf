"""The private link to the forms a booking asks for before the visit (in the confirmation).

A signed, dated token of the appointment (Django's signing, a key derived from SECRET_KEY):
it names the booking and nothing else, and lapses after `VISIT_LINK_DAYS`.
"""

from django.core.signing import BadSignature, TimestampSigner
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.urls import reverse

from bookings.models import Appointment

VISIT_SALT = "clinic_forms.before-visit"
VISIT_LINK_DAYS = 120


def visit_link(appointment: Appointment) -> str:
    token = TimestampSigner(salt=VISIT_SALT).sign(str(appointment.pk))
    return reverse("clinic_forms:visit", args=[token])


def visit_appointment(token: str) -> Appointment:
    try:
        pk = TimestampSigner(salt=VISIT_SALT).unsign(token, max_age=VISIT_LINK_DAYS * 86400)
    except BadSignature as bad:
        raise Http404("This link is not valid (or too old).") from bad
    return get_object_or_404(Appointment.objects.select_related("client", "service"), pk=pk)
