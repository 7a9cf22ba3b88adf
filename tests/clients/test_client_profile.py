"""The fuller client profile: staff keep it on the record; the day schedule and the
session's therapist see the name to use, the pronouns and the staff-only alerts, and a
therapist never sees the address, the date of birth or the emergency contact; export
and erasure cover every field."""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings import privacy
from clients.models import Client
from clients.profile import PROFILE_FIELDS, for_therapist
from tests.bookings.clinic import local_time
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db

PROFILE = {
    "date_of_birth": dt.date(1984, 2, 29),
    "address": "12 Elm Street, Springfield",
    "emergency_contact_name": "Grace Hopper",
    "emergency_contact_phone": "+1 212 425 9876",
    "preferred_name": "Addie",
    "pronouns": "she/her",
    "staff_alerts": "prefers a female therapist\narrives early",
    "consent_service_messages": True,
    "consent_news": True,
}
STAFF_ONLY_TEXT = ["12 Elm Street", "Grace Hopper", "425 9876", "1984", "29 Feb", "Feb. 29"]


@pytest.fixture
def addie(clinic):
    client = ClientFactory(name="Ada Lovelace", email="ada@example.com", **PROFILE)
    return AppointmentFactory(
        client=client,
        therapist=clinic.therapists[0],
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        start=local_time(1, 10),
    )


def test_the_therapist_sees_the_alerts_and_the_name_to_use_but_nothing_else(client, addie):
    client.force_login(addie.therapist.user)
    pages = [
        client.get(reverse("therapists:appointment", args=[addie.reference])),
        client.get(reverse("therapists:day", args=[timezone.localdate(addie.start).isoformat()])),
    ]
    for response in pages:
        assert response.status_code == 200
        page = response.content.decode()
        assert "prefers a female therapist" in page and "arrives early" in page
        assert "Addie" in page and "she/her" in page
        for text in STAFF_ONLY_TEXT:
            assert text not in page, text


def test_what_a_therapist_is_given_has_no_staff_only_field(addie):
    view = for_therapist(addie.client)
    assert view.addressed_as == "Addie" and view.alerts == [
        "prefers a female therapist",
        "arrives early",
    ]
    assert not {"address", "date_of_birth", "emergency_contact_name"} & set(vars(view))


def test_the_admin_day_card_shows_the_alerts(client, front_desk, addie):
    client.force_login(front_desk)
    day = timezone.localdate(addie.start).isoformat()
    page = client.get(reverse("admin:bookings_appointment_schedule") + f"?date={day}")
    assert page.status_code == 200
    text = page.content.decode()
    assert "prefers a female therapist" in text and "Addie (she/her)" in text


def test_the_front_desk_keeps_the_profile_on_the_record(client, front_desk, addie):
    client.force_login(front_desk)
    url = reverse("admin:clients_client_change", args=[addie.client.pk])
    page = client.get(url).content.decode()
    assert "12 Elm Street" in page and "Grace Hopper" in page and "1984-02-29" in page
    response = client.post(
        url,
        {
            "name": "Ada Lovelace", "email": "ada@example.com", "phone": "+1 212 555 0100",
            "date_of_birth": "1984-02-29", "address": "1 New Road",
            "emergency_contact_name": "Grace Hopper", "emergency_contact_phone": "+1 212 425 9876",
            "preferred_name": "Addie", "pronouns": "they/them",
            "staff_alerts": "arrives early", "consent_service_messages": "on",
        },
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    saved = Client.objects.get(pk=addie.client.pk)
    assert (saved.address, saved.pronouns, saved.consent_news) == ("1 New Road", "they/them", False)


def test_export_and_erasure_cover_every_profile_field(manager, addie):
    exported = privacy.client_export(email="ada@example.com", user=manager)
    record = exported["clients"][0]
    assert set(PROFILE_FIELDS) <= set(record)
    assert (
        record["date_of_birth"] == "1984-02-29"
        and record["staff_alerts"] == PROFILE["staff_alerts"]
    )
    assert record["consent_news"] is True

    privacy.client_erase(email="ada@example.com", user=manager)
    erased = Client.objects.get(pk=addie.client.pk)
    for name in PROFILE_FIELDS:
        value = getattr(erased, name)
        assert value in (None, "", False), name
