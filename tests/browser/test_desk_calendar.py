"""The desk's calendar in real Chromium at 1280 px: a session dragged to another therapist's
column moves (database and the client's e-mail checked), a drag to a therapist whose
certification has lapsed snaps back with the service's reason, a click on an empty time
books it, and axe finds nothing serious or critical."""

import datetime as dt

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.core import mail
from django.utils import timezone
from playwright.sync_api import Page, expect

from bookings.models import Appointment
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic, local_time, qualify, work_every_day
from tests.factories import TherapistFactory
from therapists.models import CredentialKind

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "correct-horse-battery"  # UserFactory's
AXE = Axe()
BLOCKING = {"serious", "critical"}


@pytest.fixture
def desk_day(eight_in_the_morning, front_desk):
    """Today: Mei Sato at 10:00 with the first therapist, a second who could take her, and
    Zora, whose bar certification ran out yesterday."""
    clinic = build_clinic(therapists=2, bar_rooms=2)
    clinic.therapists[0].display_name = "Ana First"
    clinic.therapists[0].save()
    clinic.therapists[1].display_name = "Ben Second"
    clinic.therapists[1].save()
    clinic.floor_only.display_name = "Cy Floor"
    clinic.floor_only.save()
    for room, name in zip(
        [*clinic.bar_rooms, clinic.mat_room], ["Bar A", "Bar B", "Mat room"], strict=True
    ):
        room.name = name
        room.save()
    zora = TherapistFactory(display_name="Zora Lapsed")
    qualify(zora, CredentialKind.BAR_CERTIFICATION)
    zora.credentials.filter(kind=CredentialKind.BAR_CERTIFICATION).update(
        expires_on=timezone.localdate() - dt.timedelta(days=1)
    )
    work_every_day(zora)
    appointment = booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(0, 10),
        client=ClientDetails(name="Mei Sato", email="mei@example.com", phone="+1 212 555 0199"),
        answers=clear_answers(back_pain_now="mild"),
        actor=front_desk,
    ).appointment
    return clinic, zora, appointment


def sign_in(page: Page, user) -> None:
    page.goto("/admin/login/?next=/staff/calendar/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def column_x(page: Page, name: str) -> float:
    header = page.locator(".ec-header .ec-col-head", has_text=name).first
    box = header.bounding_box()
    return box["x"] + box["width"] / 2


def box_of(page: Page, locator) -> dict:
    """The element's box once it stands still: after a move the calendar fetches its events
    again and redraws, so the element may be replaced between two looks."""
    for _ in range(30):
        expect(locator).to_be_visible()
        first = locator.bounding_box()
        page.wait_for_timeout(100)
        second = locator.bounding_box()
        if first and first == second:
            return second
    raise AssertionError("the element kept moving")


def drag(page: Page, source, x: float, y: float) -> None:
    box = box_of(page, source)
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + 8)
    page.mouse.down()
    for step in range(1, 11):
        page.mouse.move(
            box["x"] + box["width"] / 2 + (x - box["x"] - box["width"] / 2) * step / 10,
            box["y"] + 8 + (y - box["y"] - 8) * step / 10,
        )
    page.mouse.up()


def test_the_desk_drags_refuses_and_books_on_the_calendar(new_context, steps, front_desk, desk_day):
    clinic, zora, appointment = desk_day
    context = new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(10_000)
    steps.page = page
    violations: list[str] = []
    page.on("console", lambda m: "Content Security Policy" in m.text and violations.append(m.text))
    errors: list[str] = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, front_desk)
    session = page.locator(".ec-event.session", has_text="Mei")
    expect(session).to_be_visible()
    expect(session).to_contain_text("Light pressure")
    steps("calendar-day")
    axe = AXE.run(page).response["violations"]
    blocking = [v for v in axe if v["impact"] in BLOCKING]
    assert not blocking, "; ".join(
        f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in blocking
    )

    # Accepted: to Ben's column at the same time.
    mail.outbox.clear()
    box = box_of(page, session)
    drag(page, session, column_x(page, "Ben Second"), box["y"] + 8)
    message = page.locator("#desk-calendar-message")
    expect(message).to_contain_text("Moved")
    expect(message).to_contain_text("The client has been told")
    steps("moved-to-ben")
    appointment.refresh_from_db()
    assert appointment.therapist == clinic.therapists[1]
    assert appointment.start == local_time(0, 10)
    assert [m.to for m in mail.outbox if "mei@example.com" in m.to] == [["mei@example.com"]]
    assert any("moved" in m.subject.lower() or "new time" in m.subject.lower() for m in mail.outbox)

    # Refused: Zora's bar certification ran out yesterday; the session snaps back.
    session = page.locator(".ec-event.session", has_text="Mei")
    expect(session).to_be_visible()
    ben_x = column_x(page, "Ben Second")
    box = box_of(page, session)
    assert box["x"] < ben_x < box["x"] + box["width"]
    mail.outbox.clear()
    drag(page, session, column_x(page, "Zora Lapsed"), box["y"] + 8)
    expect(message).to_contain_text(
        "Not moved: The therapist cannot offer this treatment on this day."
    )
    steps("refused-zora")
    box = box_of(page, page.locator(".ec-event.session", has_text="Mei"))
    assert box["x"] < ben_x < box["x"] + box["width"]  # back in Ben's column
    appointment.refresh_from_db()
    assert appointment.therapist == clinic.therapists[1]
    assert mail.outbox == []

    # A click on an empty time (14:00 in Ana's column) books it.
    page.evaluate("window.scrollBy(0, 400)")
    box = box_of(page, page.locator(".ec-event.session", has_text="Mei"))
    hour = box["height"]  # the session is 60 minutes long
    page.mouse.click(column_x(page, "Ana First"), box["y"] + 4 * hour + 4)
    dialog = page.get_by_role("dialog")
    expect(dialog).to_be_visible()
    expect(dialog).to_contain_text("Ana First")
    steps("book-dialog")
    page.get_by_label("Find the client (name or e-mail)").fill("Mei")
    expect(page.locator("#desk-book-client option")).to_contain_text(["Mei Sato"])
    page.get_by_label("The client confirms their health has not changed").check()
    page.get_by_role("button", name="Book", exact=True).click()
    expect(message).to_contain_text("Booked")
    expect(page.locator(".ec-event.session", has_text="Mei")).to_have_count(2)
    steps("booked")
    new = Appointment.objects.exclude(pk=appointment.pk).get()
    assert new.therapist == clinic.therapists[0]
    assert timezone.localtime(new.start).time() == dt.time(14, 0)
    assert violations == []
    assert errors == []


def test_by_room_a_drag_changes_the_room_and_axe_finds_nothing_serious(
    new_context, steps, front_desk, desk_day
):
    clinic, _zora, appointment = desk_day
    page = new_context(viewport={"width": 1280, "height": 900}).new_page()
    page.set_default_timeout(10_000)
    steps.page = page
    sign_in(page, front_desk)
    page.get_by_role("button", name="By room").click()
    session = page.locator(".ec-event.session", has_text="Mei")
    expect(session).to_contain_text("Ana First")
    other = next(r for r in clinic.bar_rooms if r.pk != appointment.room_id)
    box = box_of(page, session)
    drag(page, session, column_x(page, other.name), box["y"] + 8)
    message = page.locator("#desk-calendar-message")
    expect(message).to_contain_text(f"in {other.name}")
    appointment.refresh_from_db()
    assert appointment.room == other
    assert appointment.therapist == clinic.therapists[0]
    session = page.locator(".ec-event.session", has_text="Mei")
    box = box_of(page, session)
    drag(page, session, column_x(page, "Mat room"), box["y"] + 8)
    expect(message).to_contain_text("Not moved: Mat room is not equipped for")
    steps("rooms-refused")
    appointment.refresh_from_db()
    assert appointment.room == other
    page.get_by_role("button", name="Week").click()
    expect(page.locator(".ec-event.session", has_text="Mei")).to_be_visible()
    steps("rooms-week")
    page.get_by_role("button", name="By therapist").click()
    expect(page.locator(".ec-event.session", has_text="Mei")).to_be_visible()
    steps("therapists-week")
    for where in ("therapists-week", "list"):
        if where == "list":
            page.get_by_role("link", name="List view (keyboard and screen reader)").click()
            expect(page.get_by_role("heading", name="Book a slot")).to_be_visible()
            steps("list")
        axe = AXE.run(page).response["violations"]
        blocking = [v for v in axe if v["impact"] in BLOCKING]
        assert not blocking, f"{where}: " + "; ".join(
            f"{v['id']} ({v['impact']}): {[n['target'] for n in v['nodes']][:3]}" for v in blocking
        )
