"""A client who joins the waitlist in Spanish gets the confirmation and, later, the offer the
worker writes when a slot frees up, in Spanish (issue 15), whoever freed the slot."""

import re

import pytest
from django.core import mail
from django.utils import translation

from bookings.booking_changes import booking_cancel
from bookings.services import booking_create
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.waitlist.test_waitlist import ADA, CY
from waitlist.models import WaitlistOffer
from waitlist.services import waitlist_confirm, waitlist_join

pytestmark = pytest.mark.django_db


def test_a_spanish_waitlist_client_is_written_to_in_spanish(clinic, solo, run_after_commit):
    start = local_time(3, 10)
    booked = run_after_commit(
        booking_create,
        service=clinic.bar_60,
        therapist=solo,
        start=start,
        client=CY,
        answers=clear_answers(),
    ).appointment
    mail.outbox.clear()
    entry = run_after_commit(
        waitlist_join,
        service=clinic.bar_60,
        therapist=solo,
        first_day=start.date(),
        last_day=start.date(),
        client=ADA,
        answers=clear_answers(),
        language="es-US",
    )
    assert entry.language == "es"
    (joined,) = mail.outbox
    assert joined.subject.startswith("Estará en la lista de espera para")
    assert "Confirme su dirección en las próximas" in joined.body
    pk, token = re.search(r"/waitlist/confirm/([0-9]+)/([A-Za-z0-9_-]+)/", joined.body).groups()
    run_after_commit(waitlist_confirm, pk=int(pk), token=token)

    mail.outbox.clear()
    with translation.override("en"):  # an English client (or the desk) frees the slot
        run_after_commit(booking_cancel, appointment=booked)
    assert WaitlistOffer.objects.get().entry == entry
    (offer,) = [m for m in mail.outbox if m.to == [ADA.email]]
    assert offer.subject.startswith("Hay una hora libre para usted:")
    assert "10:00 a.m." in offer.subject
    assert "Reservar esta hora" in offer.alternatives[0][0]
    assert "Para reservarla, abra este enlace y confirme:" in offer.body
