"""Waitlist in real Chromium: join, confirm the address from the e-mailed link with
JavaScript off, get an offer and decline it, at phone and desktop widths."""

import re
from urllib.parse import urlsplit

import pytest
from django.core import mail
from playwright.sync_api import Browser, Page, expect

from tests.bookings.clinic import build_clinic
from tests.browser.flow import CLIENT, answer_intake
from waitlist.models import EntryStatus, OfferStatus, WaitlistEntry, WaitlistOffer

pytestmark = pytest.mark.django_db(transaction=True)

WIDTHS = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 900}}


def link_in_mail(subject_part: str) -> str:
    (message,) = [m for m in mail.outbox if subject_part in m.subject]
    # The path only: the e-mail names SITE_URL, the test talks to the live server.
    return urlsplit(re.search(r"http://\S+", message.body).group(0)).path


def shoot(page: Page, steps, name: str) -> None:
    """Screenshots of `page` (which may be another tab than the fixture's) at each width."""
    for width, size in WIDTHS.items():
        page.set_viewport_size(size)
        steps.shots.append((f"{name}-{width}", page.screenshot(full_page=True)))


def test_a_client_joins_confirms_without_javascript_and_declines_an_offer(
    page: Page, browser: Browser, steps, live_server
):
    clinic = build_clinic(therapists=1, bar_rooms=1)
    mail.outbox.clear()
    page.goto(f"/waitlist/?service={clinic.bar_60.slug}")
    expect(page.get_by_role("heading", name="Join the waitlist")).to_be_visible()
    for label, value in CLIENT.items():
        page.get_by_label(label).fill(value)
    answer_intake(page, submit=None)
    shoot(page, steps, "join")
    page.get_by_role("button", name="Join the waitlist").click()
    expect(page.get_by_role("heading", name="Check your inbox to confirm")).to_be_visible()
    shoot(page, steps, "joined")
    assert not WaitlistOffer.objects.exists()

    # The link from the e-mail, opened where no script runs (a plain mail client's browser).
    plain = browser.new_context(java_script_enabled=False, base_url=live_server.url)
    try:
        tab = plain.new_page()
        tab.goto(link_in_mail("confirm your e-mail"))
        expect(
            tab.get_by_role("heading", name="Confirm your place on the waitlist")
        ).to_be_visible()
        shoot(tab, steps, "confirm")
        tab.get_by_role("button", name="Confirm my place").click()
        expect(
            tab.get_by_role("heading", name="Confirmed: you are on the waitlist")
        ).to_be_visible()
        shoot(tab, steps, "confirmed")
        tab.go_back()
        tab.reload()
        expect(tab.get_by_role("heading", name="This link has already been used")).to_be_visible()
        shoot(tab, steps, "reused")

        tab.goto(link_in_mail("free for you"))
        expect(tab.get_by_role("button", name="Book this time")).to_be_visible()
        shoot(tab, steps, "offer")
        tab.get_by_role("button", name="Decline this offer").click()
        expect(tab.get_by_role("heading", name="You declined this time")).to_be_visible()
        shoot(tab, steps, "declined")
    finally:
        plain.close()
    entry = WaitlistEntry.objects.get()
    assert entry.status in (EntryStatus.WAITING, EntryStatus.OFFERED)
    assert WaitlistOffer.objects.filter(status=OfferStatus.DECLINED).count() == 1
