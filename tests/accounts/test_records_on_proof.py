"""Client records join only on proof, a merge keeps the verified details, and a therapist
reads a client's record (earlier sessions, clearance letters) only through a session that
treats them. Each attack walked through the real pages: the booking flow, the e-mailed
links, the sign-in link, the portal and the letter download."""

import io
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client as Browser
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from bookings import clearances, clients
from bookings.models import Appointment, AppointmentStatus, SessionNote
from clients.models import Client
from health.screening import clear_answers
from tests.accounts.test_views import ACCOUNT, sign_in_as
from tests.bookings.clinic import local_time
from tests.bookings.test_booking_pages import flow_urls, form_answers
from tests.factories import AppointmentFactory, ClientFactory, IntakeFactory

pytestmark = pytest.mark.django_db

SECRET = "Mallory's own knee"


@pytest.fixture(autouse=True)
def letters_root(settings, tmp_path):
    settings.CLEARANCE_LETTERS_ROOT = tmp_path / "letters"
    settings.ADMIN_REQUIRE_2FA = settings.STAFF_REQUIRE_2FA = False


@pytest.fixture
def client3(clinic):
    """client3 with a completed session of her own, charted by another therapist (Bob)."""
    record = ClientFactory(name="Client Three", email="client3@example.com")
    bob = clinic.therapists[1]
    earlier = AppointmentFactory(
        client=record,
        therapist=bob,
        start=local_time(-20, 10),
        status=AppointmentStatus.COMPLETED,
        intake=IntakeFactory(answers=clear_answers(avoid_areas="Left shoulder")),
    )
    SessionNote.objects.create(
        appointment=earlier, author=bob.user, work_done="Bob's private note", pressure_used="light"
    )
    return record


@pytest.fixture
def letter(client3, manager):
    image = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(image, format="PNG")
    return clearances.clearance_record(
        client=client3,
        details=clearances.ClearanceDetails(
            cleared_by_name="Dr Lee",
            cleared_by_role="physiotherapist",
            cleared_on=timezone.localdate(),
            scope="full",
            conditions=["disc_condition"],
        ),
        by=manager,
        letter=SimpleUploadedFile("x.png", image.getvalue(), content_type="image/png"),
    )


def book_on_the_pages(web, *, email, name="Someone", therapist="any", **answers) -> Appointment:
    """The public booking pages, as a browser walks them; the new booking."""
    urls = flow_urls(therapist=therapist)
    web.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
    assert web.post(urls["intake"], form_answers(**answers)).status_code == 302
    contact = {"name": name, "email": email, "phone": "+1 212 555 0111"}
    assert web.post(urls["contact"], contact).status_code == 302
    assert web.post(urls["review"]).status_code == 302
    return Appointment.objects.latest("created_at")


def emailed_manage_link(appointment) -> str:
    """The manage link of the booking's own confirmation e-mail (sent to its address)."""
    body = next(m for m in mail.outbox if appointment.reference in m.subject).body
    return re.search(r"https?://[^/\s]+(/manage/\S+)", body).group(1)


class TestATherapistsBookingUnderAClientsAddress:
    """aiko books herself a session under CLIENT3@EXAMPLE.COM, signed in to the portal."""

    @pytest.fixture
    def aikos_booking(self, clinic, client3, run_after_commit):
        aiko = clinic.therapists[0]
        web = Browser()
        web.force_login(aiko.user)
        mail.outbox.clear()
        booking = run_after_commit(
            book_on_the_pages, web, email="CLIENT3@EXAMPLE.COM", therapist=aiko.slug
        )
        assert booking.therapist == aiko and booking.booked_by_staff
        return web, booking

    def test_it_never_joins_even_when_client3_signs_in_and_opens_its_email(
        self, aikos_booking, client3, run_after_commit
    ):
        aiko_web, booking = aikos_booking
        link = emailed_manage_link(booking)
        real = Browser()
        sign_in_as(real, client3.email, run_after_commit)
        assert real.get(link).status_code == 200  # client3 opens the e-mail she got
        booking.refresh_from_db()
        assert booking.client_id != client3.pk
        page = aiko_web.get(reverse("therapists:appointment", args=[booking.reference]))
        assert page.status_code == 200 and "Bob's private note" not in page.content.decode()

    def test_her_portal_and_the_letter_stay_closed_even_after_a_mistaken_merge(
        self, aikos_booking, client3, letter, front_desk
    ):
        """Staff merged her row into client3's record: the booking is hers, not a session
        that treats client3, so no earlier notes and no clearance letter."""
        aiko_web, booking = aikos_booking
        clients.client_merge(keep=client3, merge=booking.client, by=front_desk)
        page = aiko_web.get(reverse("therapists:appointment", args=[booking.reference]))
        assert page.status_code == 200 and "Bob's private note" not in page.content.decode()
        response = aiko_web.get(reverse("bookings:clearance_letter", args=[letter.pk]))
        assert response.status_code == 404  # a therapist is not told the letter exists


class TestATypedAddressShowsOnlyThatABookingExists:
    @pytest.fixture
    def ada_with_a_past_session(self, clinic):
        """Ada, with a phone number and a completed, charted session a month ago."""
        ada = ClientFactory(name="Ada Lovelace", email="ada@example.com", phone="+1 212 555 0199")
        AppointmentFactory(
            client=ada,
            start=local_time(-30, 10),
            status=AppointmentStatus.COMPLETED,
            intake=IntakeFactory(answers=clear_answers(avoid_areas="Left shoulder")),
        )
        return ada

    @pytest.fixture
    def mallorys(self, clinic, ada_with_a_past_session, run_after_commit):
        """Mallory books signed out under ADA@EXAMPLE.COM, with answers of her own."""
        return run_after_commit(
            book_on_the_pages,
            Browser(),
            email="ADA@EXAMPLE.COM",
            name="Mallory",
            avoid_areas=SECRET,
        )

    def test_the_account_shows_its_day_and_service_never_its_answers(
        self, client, ada_with_a_past_session, mallorys, run_after_commit
    ):
        sign_in_as(client, ada_with_a_past_session.email, run_after_commit)
        page = client.get(ACCOUNT).content.decode()
        assert "Other bookings under your address" in page
        assert mallorys.service.name in page and SECRET not in page
        assert mallorys.reference not in page and "Left shoulder" in page
        export = client.post(reverse("accounts:export")).content.decode()
        assert mallorys.reference not in export and SECRET not in export
        assert client.post(reverse("accounts:manage", args=[mallorys.reference])).status_code == 404

    def test_the_next_intake_starts_from_her_own_answers_not_mallorys(
        self, client, ada_with_a_past_session, mallorys, run_after_commit
    ):
        sign_in_as(client, ada_with_a_past_session.email, run_after_commit)
        response = client.get(flow_urls()["intake"], {"start": local_time(4, 10).isoformat()})
        assert response.context["form"].initial["avoid_areas"] == "Left shoulder"

    def test_the_bookers_own_confirmation_page_proves_nothing(
        self, client, ada_with_a_past_session, mallorys, run_after_commit
    ):
        """Mallory was sent to the manage page right after booking: that link is not the
        mailbox's, so opening it again joins nothing."""
        bare = emailed_manage_link(mallorys).split("?")[0]
        sign_in_as(client, ada_with_a_past_session.email, run_after_commit)
        assert client.get(bare).status_code == 200
        assert client.get(bare + "?proof=" + "0" * 32).status_code == 200
        mallorys.refresh_from_db()
        assert mallorys.client.merged_into is None and not mallorys.proven_by

    def test_staff_merge_then_shows_it(
        self, client, ada_with_a_past_session, mallorys, front_desk, run_after_commit
    ):
        clients.client_merge(keep=ada_with_a_past_session, merge=mallorys.client, by=front_desk)
        sign_in_as(client, ada_with_a_past_session.email, run_after_commit)
        assert mallorys.reference in client.get(ACCOUNT).content.decode()


class TestAMergeKeepsTheVerifiedTruth:
    def test_a_stranger_who_typed_the_address_first_never_names_the_record(
        self, client, clinic, run_after_commit
    ):
        first = ClientFactory(name="Mallory", email="ADA@example.com", phone="+1 212 555 0111")
        AppointmentFactory(client=first, start=local_time(2, 10), proven_by="")
        ada = ClientFactory(name="Ada Lovelace", email="ada@example.com", phone="+1 212 555 0199")
        AppointmentFactory(client=ada, start=local_time(5, 10))  # proven: her e-mail's link
        sign_in_as(client, "ada@example.com", run_after_commit)
        record = Client.objects.get(confirmed_at__isnull=False)
        assert (record.name, record.phone) == ("Ada Lovelace", "+1 212 555 0199")
        first.refresh_from_db()
        assert first.merged_into is None
        contact = client.get(flow_urls()["contact"]).context
        assert contact is None or "Mallory" not in str(contact.get("form").initial)

    def test_a_staff_merge_into_an_unverified_row_takes_the_verified_details(
        self, clinic, front_desk
    ):
        first = ClientFactory(name="Mallory", email="ada@example.com", phone="+1 212 555 0111")
        AppointmentFactory(client=first, start=local_time(2, 10), proven_by="")
        ada = ClientFactory(name="Ada Lovelace", email="ada@example.com", phone="+1 212 555 0199")
        AppointmentFactory(client=ada, start=local_time(5, 10))
        clients.client_merge(keep=first, merge=ada, by=front_desk)
        first.refresh_from_db()
        assert (first.name, first.phone) == ("Ada Lovelace", "+1 212 555 0199")

    def test_no_prefill_from_a_booking_nobody_proved_hers(self, client, clinic, run_after_commit):
        ada = ClientFactory(name="Ada Lovelace", email="ada@example.com")
        AppointmentFactory(client=ada, start=local_time(-30, 10), status="completed")
        AppointmentFactory(
            client=ada,
            start=local_time(-3, 10),
            status=AppointmentStatus.COMPLETED,
            proven_by="",
            intake=IntakeFactory(answers=clear_answers(avoid_areas=SECRET)),
        )
        sign_in_as(client, ada.email, run_after_commit)
        response = client.get(flow_urls()["intake"], {"start": local_time(4, 10).isoformat()})
        assert response.context["form"].initial.get("avoid_areas") != SECRET
        assert SECRET not in client.get(ACCOUNT).content.decode()


class TestLetterAccessCountsOnlyTreatingSessions:
    @pytest.mark.parametrize(
        ("status", "days_ago", "allowed"),
        [
            (AppointmentStatus.AWAITING_DEPOSIT, -3, False),
            (AppointmentStatus.PENDING_REVIEW, -3, False),
            (AppointmentStatus.CANCELLED, -3, False),
            (AppointmentStatus.CONFIRMED, -3, True),
            (AppointmentStatus.COMPLETED, 30, True),
            (AppointmentStatus.COMPLETED, 400, False),
        ],
    )
    def test_the_therapists_session_status_decides(
        self, client, clinic, client3, letter, status, days_ago, allowed
    ):
        carol = clinic.therapists[0]
        AppointmentFactory(
            client=client3, therapist=carol, status=status, start=local_time(-days_ago, 10)
        )
        client.force_login(carol.user)
        response = client.get(reverse("bookings:clearance_letter", args=[letter.pk]))
        assert response.status_code == (200 if allowed else 404)

    def test_the_window_is_a_setting(self, client, clinic, client3, letter, settings):
        settings.TREATING_WINDOW_DAYS = 10
        carol = clinic.therapists[0]
        AppointmentFactory(
            client=client3, therapist=carol, status="completed", start=local_time(-30, 10)
        )
        client.force_login(carol.user)
        assert client.get(reverse("bookings:clearance_letter", args=[letter.pk])).status_code == 404
