"""The admin's import page in Chromium: a manager dry-runs a clients file, reads what
would happen and why rows are refused, imports it and reviews the merge offers."""

import pytest
from playwright.sync_api import Page, expect

from clients.models import Client
from tests.factories import ClientFactory
from tests.imports.files import clients_file
from tests.people import CLINIC_MANAGER, staff_member

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"


def test_a_manager_dry_runs_then_imports_clients(page: Page, steps, tmp_path):
    manager = staff_member("boss", CLINIC_MANAGER)
    manager.set_password(PASSWORD)
    manager.save()
    ClientFactory(name="Already Here", email="here@example.com", phone="212.555.9999")
    data, _faults = clients_file(60)
    export = tmp_path / "clients-export.csv"
    export.write_bytes(data)

    page.goto("/admin/login/")
    page.get_by_label("Username").fill(manager.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/imports/importrun/add/")
    expect(page.get_by_role("heading", name="Import from the clinic's old system")).to_be_visible()
    page.get_by_label("What to import").select_option("clients")
    page.get_by_label("Exported from").select_option("clinic")
    page.get_by_label("CSV file").set_input_files(str(export))
    steps("import-page")

    page.get_by_role("button", name="Dry run (write nothing)").click()
    result = page.locator(".import-result")
    expect(result).to_contain_text("Dry run: nothing was written")
    expect(result).to_contain_text("phone: '12345' is not a valid phone number")
    page.get_by_text("What would be done, row by row").click()
    expect(result).to_contain_text("created: client Client Number11 <ann.case@example.COM>")
    expect(result).to_contain_text("(offered for merge: same e-mail)")
    steps("dry-run")
    assert Client.objects.count() == 1

    page.get_by_label("CSV file").set_input_files(str(export))
    page.get_by_role("button", name="Import", exact=True).click()
    expect(result).to_contain_text("Imported")
    steps("imported")
    assert Client.objects.count() == 57

    page.get_by_role("link", name="Review the 2 merge offer(s)").click()
    expect(page.locator("#result_list")).to_contain_text("ann.case@example.COM")
    steps("merge-offers")


def _sign_in(page: Page, live_server, user) -> None:
    """Sign `user` in on the browser through Django's own session (no password typed)."""
    from django.test import Client as DjangoClient

    django_client = DjangoClient()
    django_client.force_login(user)
    session = django_client.cookies["sessionid"].value
    page.context.add_cookies([{"name": "sessionid", "value": session, "url": live_server.url}])


def test_the_profile_where_staff_and_the_therapist_see_it(page: Page, steps, live_server):
    from django.utils import timezone

    from tests.bookings.clinic import build_clinic, local_time
    from tests.factories import AppointmentFactory
    from tests.people import FRONT_DESK

    clinic = build_clinic(therapists=1, bar_rooms=1)
    ada = ClientFactory(
        name="Ada Lovelace", preferred_name="Addie", pronouns="she/her",
        address="12 Elm Street, Springfield", emergency_contact_name="Grace Hopper",
        staff_alerts="prefers a female therapist\narrives early",
    )  # fmt: skip
    appointment = AppointmentFactory(
        client=ada, therapist=clinic.therapists[0], service=clinic.bar_60,
        room=clinic.bar_rooms[0], start=local_time(1, 10),
    )  # fmt: skip
    _sign_in(page, live_server, staff_member("desk", FRONT_DESK))
    page.goto(f"/admin/clients/client/{ada.pk}/change/")
    expect(page.get_by_label("Address")).to_have_value("12 Elm Street, Springfield")
    steps("client-record")
    day = timezone.localdate(appointment.start).isoformat()
    page.goto(f"/admin/bookings/appointment/schedule/?date={day}")
    expect(page.locator(".booking-alert")).to_contain_text("prefers a female therapist")
    steps("day-card")

    page.context.clear_cookies()
    _sign_in(page, live_server, clinic.therapists[0].user)
    page.goto(f"/therapist/appointments/{appointment.reference}/")
    expect(page.locator(".client-alerts")).to_contain_text("arrives early")
    expect(page.get_by_text("12 Elm Street")).to_have_count(0)
    steps("therapist-session")
