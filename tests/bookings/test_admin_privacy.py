"""A client's data exported and erased from the admin, by the clinic manager only."""

import json

import pytest
from django.contrib.admin.helpers import ACTION_CHECKBOX_NAME
from django.contrib.auth.models import Group

from clients.models import Client
from health.screening import clear_answers
from tests.factories import AppointmentFactory, ClientFactory, IntakeFactory, UserFactory

pytestmark = pytest.mark.django_db
URL = "/admin/clients/client/"


def _staff(role: str):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=role))
    return user


@pytest.fixture
def booked():
    client = ClientFactory(name="Ada Lovelace", email="ada@example.com")
    answers = clear_answers(other_conditions="SECRET scoliosis")
    return AppointmentFactory(client=client, intake=IntakeFactory(answers=answers))


def _action(browser, name: str, client: Client, **extra):
    return browser.post(URL, {"action": name, ACTION_CHECKBOX_NAME: [client.pk], **extra})


def test_the_manager_downloads_the_clients_data_as_json(client, booked):
    client.force_login(_staff("Clinic manager"))
    response = _action(client, "export_data", booked.client)
    assert response["Content-Type"] == "application/json"
    (data,) = json.loads(response.content)
    assert data["appointments"][0]["intake"]["answers"]["other_conditions"] == "SECRET scoliosis"


def test_erasure_asks_first_then_erases(client, booked):
    client.force_login(_staff("Clinic manager"))
    page = _action(client, "erase_data", booked.client)
    assert "Erase these clients" in page.content.decode()
    booked.client.refresh_from_db()
    assert booked.client.name == "Ada Lovelace"
    _action(client, "erase_data", booked.client, confirm="yes")
    booked.client.refresh_from_db()
    booked.intake.refresh_from_db()
    assert booked.client.name == "Erased client" and booked.intake.answers == {}


@pytest.mark.parametrize("name", ["export_data", "erase_data"])
def test_the_front_desk_may_not_export_or_erase(client, booked, name):
    client.force_login(_staff("Front desk"))
    response = _action(client, name, booked.client, confirm="yes")
    assert response.status_code == 403
    booked.client.refresh_from_db()
    assert booked.client.name == "Ada Lovelace"
