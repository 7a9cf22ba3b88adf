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
