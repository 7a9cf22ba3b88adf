"""A therapist on a 390 px phone starts the chart from a template, adds a photo from the
camera, taps a quick phrase and signs, in real Chromium."""

import datetime as dt
import io

import pytest
from django.utils import timezone
from PIL import Image
from playwright.sync_api import expect

from charts.models import ChartAccess, ChartNote, ChartPhoto, QuickPhrase, SoapTemplate
from tests.bookings.clinic import build_clinic
from tests.factories import AppointmentFactory, ClientFactory

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}


def test_template_photo_phrase_and_signature_on_a_phone(new_context, steps, settings, tmp_path):
    settings.CHARTS_PHOTOS_ROOT = tmp_path
    clinic = build_clinic(therapists=1, bar_rooms=1)
    therapist = clinic.therapists[0]
    session = AppointmentFactory(
        therapist=therapist,
        service=clinic.bar_60,
        room=clinic.bar_rooms[0],
        client=ClientFactory(name="Mei Sato"),
        start=(timezone.now() - dt.timedelta(hours=1)).replace(second=0, microsecond=0),
    )
    SoapTemplate.objects.create(
        name="Low back",
        subjective="Client reports low back tension.",
        objective="Bar work along the erectors.",
        assessment="Tissue softened.",
        plan="Same in two weeks.",
    )
    QuickPhrase.objects.create(text="Client tolerated pressure well")
    photo = tmp_path / "IMG_0001.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (1200, 900), "peachpuff").save(buffer, "JPEG")
    photo.write_bytes(buffer.getvalue())

    phone = new_context(**PHONE).new_page()
    phone.set_default_timeout(10_000)
    steps.page = phone
    phone.goto("/therapist/login/")
    phone.get_by_label("Username").fill(therapist.user.username)
    phone.get_by_label("Password").fill("correct-horse-battery")
    phone.get_by_role("button", name="Log in").click()
    phone.goto(f"/therapist/appointments/{session.reference}/")

    phone.get_by_label("Start from a template").select_option(label="Low back (clinic)")
    phone.get_by_role("button", name="Apply template").click()
    expect(phone.get_by_role("status").filter(has_text="Template applied")).to_be_visible()
    expect(phone.get_by_label("Objective", exact=True)).to_have_value(
        "Bar work along the erectors."
    )

    phone.get_by_label("Take or choose a photo").set_input_files(str(photo))
    phone.get_by_role("button", name="Add photo").click()
    expect(phone.get_by_role("status").filter(has_text="Photo added")).to_be_visible()
    expect(phone.get_by_role("link", name="Photo 1")).to_be_visible()

    phone.get_by_label("Assessment", exact=True).click()
    phone.get_by_role("button", name="Client tolerated pressure well").click()
    expect(phone.get_by_label("Assessment", exact=True)).to_have_value(
        "Tissue softened.\nClient tolerated pressure well"
    )
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390
    phone.locator("#chart").scroll_into_view_if_needed()
    steps("chart-before-signing")
    phone.get_by_role("button", name="Save and sign").click()
    expect(phone.locator("#chart-status")).to_have_text("Signed")
    expect(phone.get_by_role("button", name="Add photo")).to_have_count(0)
    steps("signed")

    href = phone.get_by_role("link", name="Photo 1").get_attribute("href")
    shown = phone.request.get(href)
    assert shown.status == 200 and shown.headers["content-type"] == "image/jpeg"
    note = ChartNote.objects.get(appointment=session)
    assert note.is_signed and note.assessment.endswith("Client tolerated pressure well")
    assert ChartPhoto.objects.get().appointment == session
    assert ChartAccess.objects.filter(where__startswith="chart photo").count() == 1
