"""The report page and its CSV downloads: manager only, bounded dates, fixed query counts,
nothing the CSP would block."""

import csv
import datetime as dt
import html
import io
import re

import pytest
from django.core import mail
from django.urls import reverse

from ashiatsu_clinic.digest import manager_digest_send_if_due
from bookings.roles import FRONT_DESK
from outbox.services import emails_deliver_due
from reports.queries import QUERIES
from tests.factories import TherapistFactory
from tests.people import staff_member
from tests.reports.fixture import build, local

pytestmark = pytest.mark.django_db

JUNE = {"start": "2026-06-01", "end": "2026-06-14"}
# Each admin request: session, user, the user's own and their groups' permissions (has_perm,
# then cached), and the session saved (idle timeout): SAVEPOINT, UPDATE, RELEASE.
REQUEST_QUERIES = 7


def test_the_clinic_manager_sees_the_report(client, manager):
    build()
    client.force_login(manager)

    response = client.get(reverse("reports:page"), JUNE)

    assert response.status_code == 200
    content = response.content.decode()
    assert "Mon 1 Jun 2026 – Sun 14 Jun 2026" in content
    assert '<svg class="chart"' in content
    assert "Value at list price" in content
    assert "one normalised e-mail address" in content


@pytest.mark.parametrize("who", ["front_desk", "staff_without_role"])
def test_weaker_staff_roles_are_refused(client, who):
    user = staff_member(who, FRONT_DESK if who == "front_desk" else None)
    client.force_login(user)

    for url in (reverse("reports:page"), reverse("reports:csv", args=["services"])):
        assert client.get(url, JUNE).status_code == 403


def test_a_therapist_and_an_anonymous_visitor_are_sent_to_the_admin_login(client):
    for user in (TherapistFactory().user, None):
        client.logout()
        if user:
            client.force_login(user)
        response = client.get(reverse("reports:page"))
        assert response.status_code == 302
        assert response.url.startswith("/admin/login/")


def test_a_superuser_sees_the_report_and_the_admin_home_links_to_it(client, manager):
    client.force_login(manager)
    assert reverse("reports:page") in client.get(reverse("admin:index")).content.decode()
    desk = staff_member("desk", FRONT_DESK)
    client.force_login(desk)
    assert reverse("reports:page") not in client.get(reverse("admin:index")).content.decode()


@pytest.mark.parametrize(
    ("params", "message"),
    [
        ({"start": "2026-06-14", "end": "2026-06-01"}, "must not be after"),
        ({"start": "2024-01-01", "end": "2026-06-01"}, "at most 53 weeks"),
        ({"start": "1999-01-01", "end": "1999-02-01"}, "Choose dates between"),
        ({"start": "not-a-date", "end": "2026-06-01"}, "Enter a valid date"),
        ({"start": "2026-06-01"}, "This field is required"),
    ],
)
def test_a_bad_range_is_a_400_with_a_clear_message(client, manager, params, message):
    client.force_login(manager)

    page = client.get(reverse("reports:page"), params)
    download = client.get(reverse("reports:csv", args=["services"]), params)

    assert page.status_code == 400 and message in page.content.decode()
    assert download.status_code == 400 and message in download.content.decode()


def test_an_unknown_table_is_404(client, manager):
    client.force_login(manager)
    assert client.get(reverse("reports:csv", args=["salaries"]), JUNE).status_code == 404


def test_every_table_on_the_page_downloads_as_the_same_csv(client, manager):
    build()
    client.force_login(manager)
    content = client.get(reverse("reports:page"), JUNE).content.decode()
    links = [
        html.unescape(link)
        for link in re.findall(r'href="(/admin/reports/[a-z-]+\.csv\?[^"]+)"', content)
    ]
    assert len(links) == 12

    services = client.get(next(link for link in links if "/services.csv" in link))
    assert services["Content-Type"] == "text/csv; charset=utf-8"
    assert 'filename="services_2026-06-01_2026-06-14.csv"' in services["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(services.content.decode())))
    assert rows == [
        [
            "Style",
            "Service",
            "Bookings",
            "Cancelled",
            "No-shows",
            "Kept",
            "Kept minutes",
            "Value at list price ($)",
        ],
        ["Bar", "Bar 60", "7", "1", "1", "5", "300", "600.00"],
        ["Floor", "Floor 90", "4", "1", "0", "3", "270", "450.00"],
    ]
    for link in links:
        assert client.get(link).status_code == 200


def test_a_csv_cell_never_becomes_a_spreadsheet_formula(client, manager):
    TherapistFactory(display_name='=HYPERLINK("http://evil")')
    client.force_login(manager)
    body = client.get(reverse("reports:csv", args=["utilisation-therapists"]), JUNE)
    assert "'=HYPERLINK" in body.content.decode()


def test_the_page_runs_a_fixed_number_of_queries_whatever_the_range(
    client, manager, django_assert_num_queries
):
    build()
    client.force_login(manager)
    for params in (JUNE, {"start": "2025-06-09", "end": "2026-06-07"}):
        # the request's own queries plus the report's QUERIES (see reports.queries)
        with django_assert_num_queries(REQUEST_QUERIES + QUERIES):
            assert client.get(reverse("reports:page"), params).status_code == 200


def test_the_page_has_no_inline_style_or_script_for_the_csp_to_block(client, manager):
    build()
    client.force_login(manager)
    content = client.get(reverse("reports:page"), JUNE).content.decode()
    assert " style=" not in content and "<style" not in content
    assert re.search(r"<script(?![^>]*\bsrc=)", content) is None


def test_the_default_range_is_the_last_twelve_weeks(client, manager):
    client.force_login(manager)
    response = client.get(reverse("reports:page"))
    assert response.status_code == 200
    assert "(12 weeks)" in response.content.decode()


def test_the_weekly_manager_email_carries_last_weeks_headline_numbers(manager):
    """The digest (project package) calls the reports."""
    build()
    manager.email = "manager@example.com"
    manager.save()
    monday_morning = local(dt.date(2026, 6, 15), 8)  # the week before: 8-14 June

    assert manager_digest_send_if_due(now=monday_morning) == 1
    emails_deliver_due()

    (message,) = mail.outbox
    for text in (message.body, message.alternatives[0][0]):
        assert "Last week in numbers" in text
        assert "08 Jun – 14 Jun 2026" in text
    body = message.body
    assert "Sessions booked: 5" in body
    assert "Utilisation (booked / open minutes): 17 %" in body  # 360 of 2160
    assert "No-show rate: 0 % (0 of 5)" in body
    assert "New clients: 3" in body and "Returning clients: 2" in body
    assert "Intakes waiting for review now: 1" in body
    assert "Therapists over their weekly load budget: none" in body


def test_a_year_long_page_offers_the_week_by_week_detail_as_csv_only(client, manager):
    client.force_login(manager)
    content = client.get(
        reverse("reports:page"), {"start": "2025-06-09", "end": "2026-06-07"}
    ).content.decode()
    assert "(52 weeks)" in content
    assert "Each therapist, week by week" not in content
    assert "/admin/reports/utilisation-therapist-weeks.csv?" in content
    assert "on the page for up to 13 weeks" in content
