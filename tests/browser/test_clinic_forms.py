"""A new client answers the clinic's own form, with a drawn signature, on a 390 px phone."""

import re

import pytest
from playwright.sync_api import Page, expect

from clinic_forms import signing
from clinic_forms.models import FormResponse, QuestionKind
from tests.bookings.clinic import build_clinic
from tests.browser.flow import CLIENT, answer_intake
from tests.clinic_forms.helpers import build_form

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def draw(page: Page, canvas) -> None:
    """A finger's stroke across the signature box."""
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    x, y, w, h = box["x"], box["y"], box["width"], box["height"]
    page.mouse.move(x + w * 0.1, y + h * 0.7)
    page.mouse.down()
    for n in range(1, 13):
        page.mouse.move(x + w * (0.1 + 0.065 * n), y + h * (0.7 - 0.4 * (n % 2)), steps=3)
    page.mouse.up()


def test_a_new_client_answers_and_signs_the_form_on_a_phone(new_context, steps, settings, tmp_path):
    settings.CLINIC_FORMS_ROOT = tmp_path
    clinic = build_clinic(therapists=1, bar_rooms=1)
    form = build_form(service=clinic.bar_60)
    page = new_context(**PHONE).new_page()
    steps.page = page
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)

    page.goto("/book/")
    page.get_by_role("link", name=clinic.bar_60.name).first.click()
    page.locator("button.slot").first.click()
    answer_intake(page)

    expect(page.get_by_role("heading", name="Waiver and consent")).to_be_visible()
    steps("form")
    assert page.evaluate("document.documentElement.scrollWidth") <= 390  # no sideways scroll
    page.get_by_label("Your occupation").fill("Teacher")
    page.get_by_label("Anything else we should know?").fill("Stiff left shoulder")
    page.get_by_role("group", name="How did you hear of us?").get_by_label("Web").check()
    allergies = page.get_by_role("group", name="Allergies")
    allergies.get_by_label("Nuts").check()
    allergies.get_by_label("Oils").check()
    page.get_by_role("group", name="First ashiatsu session?").get_by_label("Yes").check()
    page.get_by_label("Date of birth").fill("1990-05-17")

    # Sending without a signature: the page says what is missing.
    page.get_by_label("Type your full name").fill(CLIENT["Full name"])
    page.get_by_role("button", name="Sign and continue").click()
    expect(page.locator("#error-summary")).to_contain_text("Please sign")
    canvas = page.locator("canvas.signature-pad")
    canvas.scroll_into_view_if_needed()
    box = canvas.bounding_box()
    assert box["width"] >= 300 and box["x"] + box["width"] <= 390
    draw(page, canvas)
    expect(page.locator("input[type=hidden][name^=q]")).to_have_value(re.compile("^data:image/png"))
    steps("signed")
    page.get_by_role("button", name="Sign and continue").click()

    expect(page.get_by_role("heading", name="Your details and booking")).to_be_visible()
    for label, value in CLIENT.items():
        page.get_by_label(label).fill(value)
    page.get_by_role("button", name="Book now").click()
    expect(page.get_by_role("heading", name="You are booked")).to_be_visible()
    steps("booked")

    answer = FormResponse.objects.get()
    by_kind = {q.kind: f"q{q.pk}" for q in form.questions.all()}
    assert answer.answers[by_kind[QuestionKind.CHOICES]] == ["0", "2"]
    assert answer.answers[by_kind[QuestionKind.DATE]] == "1990-05-17"
    assert len(answer.answers[by_kind[QuestionKind.SIGNATURE]]) > 200  # a drawn PNG
    assert answer.signed_name == CLIENT["Full name"] and signing.response_verify(answer)
    assert not [e for e in errors if "Content Security Policy" in e or "SignaturePad" in e]
