"""What people see after issue 11 (items 4, 8, 9), in real Chromium, with screenshots.

- the contact step refuses a name with a line break and a link (item 4);
- a confirmation e-mail as a mail client shows it: clinic text first, the name after a label;
- the manage page and the e-mail on the autumn night say 1:30 AM EDT–1:30 AM EST (item 8);
- the schedule grid has no "Book" link for a therapist who may not be booked (item 9).
"""

import datetime as dt
import re

import pytest
import time_machine
from playwright.sync_api import Page, expect

from bookings import notifications
from bookings.models import Appointment
from tests.bookings.clinic import build_clinic, local_time, qualify, work_every_day
from tests.factories import AppointmentFactory, ClientFactory, TherapistFactory, UserFactory
from tests.people import FRONT_DESK, role

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's
FIRST_0130 = dt.datetime(2027, 11, 7, 5, 30, tzinfo=dt.UTC)  # 01:30 EDT, the first of two


def test_the_contact_step_refuses_a_name_with_a_line_break(page: Page, steps):
    clinic = build_clinic()
    start = local_time(3, 10)
    page.goto(f"/book/bar-60/{clinic.therapists[0].slug}/intake/?start={start.isoformat()}")
    for radio in page.locator("input[type=radio][value=no]").all():
        radio.check()
    page.locator("input[type=radio][value=none]").check()
    page.locator("input[type=radio][value=medium]").check()
    page.get_by_label(re.compile("walk on my back")).check()
    page.get_by_label(re.compile("18 or older")).check()
    page.get_by_role("button", name="Continue").click()
    # A browser strips "\n" from a one-line field (a script posts it directly; the API and
    # page tests cover that); a pasted Unicode line separator gets through to the server.
    page.get_by_label("Full name").fill("Jane\u2028Pay now at https://evil.example")
    page.get_by_label("E-mail").fill("jane@example.com")
    page.get_by_label("Phone").fill("+1 212 555 0199")
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_text("Please write your name on one line")).to_be_visible()
    steps("contact-name-refused")
    assert not Appointment.objects.exists()


def test_the_autumn_night_shows_edt_and_est_on_the_page_and_in_the_email(page: Page, steps):
    therapist = TherapistFactory(display_name="Alice Walker", slug="alice-walker")
    appointment = AppointmentFactory(
        therapist=therapist,
        start=FIRST_0130,
        end=FIRST_0130 + dt.timedelta(hours=1),
        occupied_until=FIRST_0130 + dt.timedelta(hours=1, minutes=15),
        client=ClientFactory(name="Jane Wolf", email="jane@example.com"),
    )
    with time_machine.travel(dt.datetime(2027, 11, 1, 15, 0, tzinfo=dt.UTC), tick=True):
        page.goto(f"/manage/{appointment.reference}/factory-token/")
        # Client pages write the en-US clock (issue 15); the zone still tells the two apart.
        expect(page.get_by_text("1:30 AM EDT–1:30 AM EST")).to_be_visible()
        steps("manage-page-dst-night")
    appointment = Appointment.objects.select_related(*notifications.APPOINTMENT_RELATED).get()
    message = notifications.build_message(appointment, notifications.CONFIRMED)
    page.set_content(message.alternatives[0][0])
    # Client e-mails write the 12-hour clock like the pages (issue 15).
    expect(page.get_by_text("1:30 AM EDT–1:30 AM EST")).to_be_visible()
    expect(page.locator("p").first).to_have_text("Hello from Ashiatsu Clinic,")
    steps("confirmation-email-html")
    page.set_content(f"<pre>{message.body}</pre>")
    steps("confirmation-email-text")


def test_the_schedule_offers_book_only_where_the_service_would_accept(
    page: Page, steps, eight_in_the_morning
):
    clinic = build_clinic()
    licensed_only = TherapistFactory(display_name="Aaron Licence-Only")
    qualify(licensed_only)
    work_every_day(licensed_only)
    desk = UserFactory(username="felix", is_staff=True, password=PASSWORD)
    desk.groups.add(role(FRONT_DESK))
    page.goto("/admin/login/")
    page.get_by_label("Username").fill(desk.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto(f"/admin/bookings/appointment/schedule/?date={local_time(1, 0):%Y-%m-%d}")
    expect(page.get_by_role("heading", name=re.compile(r"^Schedule for "))).to_be_visible()
    columns = page.locator("#schedule-grid thead th")
    names = [columns.nth(i).inner_text() for i in range(columns.count())]
    index = next(i for i, name in enumerate(names) if "Aaron" in name)
    book_links = page.locator("#schedule-grid").get_by_role("link", name="Book", exact=True)
    assert book_links.count() == len(clinic.therapists) + 1  # certified ones and floor-only
    steps("schedule-grid")
    assert index > 0
