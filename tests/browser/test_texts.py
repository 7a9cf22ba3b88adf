"""Texts in real Chromium: a client ticks "Also text me" (and is told when the number
cannot take texts), the confirmation text reaches the Twilio-compatible server, the client
replies, and the front desk answers from the inbox thread."""

import re

import pytest
from playwright.sync_api import Page, expect

from tests.browser.flow import CLIENT, answer_intake, slot_name
from tests.browser.test_client_booking import DAYS_AHEAD, start_booking
from tests.people import FRONT_DESK, staff_member
from tests.texts.conftest import texts_on, twilio  # noqa: F401 - fixtures

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's
CONSENT = re.compile(r"Also text me about this booking")


@pytest.fixture
def texting(texts_on, live_server, settings):  # noqa: F811 - the fixture imported above
    settings.SITE_URL = live_server.url
    return texts_on


def test_a_client_chooses_texts_and_the_desk_answers_a_reply(
    page: Page, steps, clinic, texting, live_server
):
    therapist = clinic.therapists[0]
    start_booking(page, clinic, therapist_link=therapist.display_name)
    page.get_by_role(
        "button", name=slot_name(DAYS_AHEAD, "10:00 AM", therapist.display_name)
    ).click()
    answer_intake(page)
    for label, value in CLIENT.items():
        page.get_by_label(label).fill(value)
    box = page.get_by_label(CONSENT)
    expect(box).not_to_be_checked()
    page.get_by_label("Phone").fill("+44 20 7946 0958")  # a London landline
    box.check()
    steps("texts-chosen-landline")
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_text("This number cannot receive texts.")).to_be_visible()
    steps("landline-refused")
    page.get_by_label("Phone").fill(CLIENT["Phone"])
    page.get_by_label(CONSENT).check()
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    [message] = texting.messages
    assert message["to"] == "+12125550199"
    assert message["body"].startswith("Ashiatsu Clinic: you're booked for ")

    inbound = f"{live_server.url}/texts/twilio/inbound/"
    assert texting.inbound(inbound, From="+12125550199", Body="Is there parking?") == 200
    staff_member("desk", FRONT_DESK)
    page.goto("/admin/login/")
    page.get_by_label("Username").fill("desk")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    page.goto("/admin/texts/inbound/")
    expect(page.get_by_text("Is there parking?")).to_be_visible()
    steps("inbox")
    page.get_by_role("link", name="Open thread").click()
    page.get_by_label("Message").fill("Yes, behind the building.")
    steps("thread")
    page.get_by_role("button", name="Send reply as a text").click()
    expect(page.get_by_text("Reply queued; it goes out as a text.")).to_be_visible()
    steps("answered")
    assert texting.messages[-1]["body"] == "Ashiatsu Clinic: Yes, behind the building."
