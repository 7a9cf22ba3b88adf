"""A client whose session has a chart can download their own data (the export carries the
chart's dates and times as text)."""

import json

import pytest
from django.urls import reverse

from tests.accounts.test_views import sign_in_as
from tests.charts.helpers import session, signed_note
from tests.factories import ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db


def test_the_export_of_a_client_with_a_signed_chart_is_their_json(client, run_after_commit):
    ada = ClientFactory(name="Ada Lovelace", email="ada@example.com")
    appointment = session(TherapistFactory(), client=ada)
    signed_note(appointment, regions=[("neck", "bar", "light", "Sore")])
    sign_in_as(client, ada.email, run_after_commit)
    response = client.post(reverse("accounts:export"))
    assert response.status_code == 200
    data = json.loads(response.content)
    (chart,) = data["session_charts"]
    assert chart["appointment"] == appointment.reference
    assert chart["regions"][0]["region"] == "neck"
    from charts.models import ChartAccess

    (read,) = ChartAccess.objects.all()
    assert (read.user, read.where) == (None, "client's own export")


def test_another_client_or_anonymous_does_not_get_it(client, run_after_commit):
    ada = ClientFactory(name="Ada Lovelace", email="ada@example.com")
    ClientFactory(name="Bob", email="bob@example.com")
    signed_note(session(TherapistFactory(), client=ada))
    assert client.post(reverse("accounts:export")).status_code == 302  # anonymous: sign in
    sign_in_as(client, "bob@example.com", run_after_commit)
    data = json.loads(client.post(reverse("accounts:export")).content)
    assert data["session_charts"] == []
