"""Passwordless client sign-in and /account/: links (expired, reused, wrong, another
client's), never telling whether an address is known, the rate limit, the account page for
the right client / another client / staff / anonymous, manage, export, erase request, and
booking while signed in or out (item 3 of issue #13)."""

import datetime as dt
import json
import re

import pytest
from django.core import mail
from django.urls import reverse
from django.utils import timezone

from accounts.models import ErasureRequest, SignInLink
from bookings.models import AppointmentStatus
from clients.models import Client
from health.models import IntakeAccess
from health.questionnaires import QUESTIONS
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic, local_time
from tests.bookings.test_booking_pages import flow_urls, form_answers
from tests.factories import AppointmentFactory, ClientFactory, IntakeFactory, UserFactory

pytestmark = pytest.mark.django_db

SIGN_IN = reverse("accounts:sign_in")
ACCOUNT = reverse("accounts:account")
SENT_TEXT = "If that address has booked with us, a link is on its way"


def book(client_row, start, **kwargs):
    return AppointmentFactory(
        client=client_row,
        start=start,
        intake=IntakeFactory(answers=clear_answers(avoid_areas="Left shoulder")),
        **kwargs,
    )


@pytest.fixture
def ada_sessions(ada):
    return (
        book(ada, local_time(5, 10)),
        book(ada, local_time(-20, 10), status=AppointmentStatus.COMPLETED),
    )


def request_link(web, email, run_after_commit) -> str | None:
    """Ask for a link as the page does; return the token from the e-mail, if one came."""
    mail.outbox.clear()
    response = run_after_commit(web.post, SIGN_IN, {"email": email}, follow=True)
    assert response.status_code == 200 and SENT_TEXT in response.content.decode()
    if not mail.outbox:
        return None
    match = re.search(r"/account/sign-in/([\w-]+)/", mail.outbox[0].body)
    return match.group(1)


def sign_in_as(web, email, run_after_commit):
    token = request_link(web, email, run_after_commit)
    assert web.post(reverse("accounts:sign_in_link", args=[token])).status_code == 302
    return token


class TestSignInLinks:
    def test_a_known_address_gets_a_link_through_the_outbox(self, client, ada, run_after_commit):
        from outbox.models import Email

        token = request_link(client, "ADA@example.com", run_after_commit)
        assert token and mail.outbox[0].to == ["ada@example.com"]
        assert Email.objects.filter(kind="sign_in").count() == 1
        assert token not in Email.objects.get().secret  # sealed at rest

    def test_an_unknown_address_gets_the_same_page_and_no_mail(self, client, ada, run_after_commit):
        assert request_link(client, "nobody@example.com", run_after_commit) is None
        assert not SignInLink.objects.exists()

    def test_opening_the_link_asks_for_a_tap_and_spends_nothing(
        self, client, ada, run_after_commit
    ):
        token = request_link(client, ada.email, run_after_commit)
        assert client.get(reverse("accounts:sign_in_link", args=[token])).status_code == 200
        assert SignInLink.objects.get().used_at is None
        assert client.get(ACCOUNT).status_code == 302

    def test_the_link_signs_in_once_and_confirms_the_record(
        self, client, ada, ada_sessions, run_after_commit
    ):
        token = sign_in_as(client, ada.email, run_after_commit)
        assert client.get(ACCOUNT).status_code == 200
        ada.refresh_from_db()
        assert ada.confirmed_by == Client.ConfirmedBy.EMAIL_LINK
        other = type(client)()
        reused = other.post(reverse("accounts:sign_in_link", args=[token]))
        assert reused.status_code == 400 and b"already used" in reused.content
        assert other.get(ACCOUNT).status_code == 302

    def test_an_expired_link_is_refused(self, client, ada, settings, run_after_commit):
        token = request_link(client, ada.email, run_after_commit)
        SignInLink.objects.update(expires_at=timezone.now() - dt.timedelta(seconds=1))
        response = client.post(reverse("accounts:sign_in_link", args=[token]))
        assert response.status_code == 400 and client.get(ACCOUNT).status_code == 302

    @pytest.mark.parametrize("token", ["wrong", "x" * 43, "-" * 200])
    def test_a_wrong_link_is_refused(self, client, ada, token, run_after_commit):
        request_link(client, ada.email, run_after_commit)
        response = client.post(reverse("accounts:sign_in_link", args=[token]))
        assert response.status_code == 400 and client.get(ACCOUNT).status_code == 302

    def test_another_clients_link_signs_in_as_them_only(
        self, client, ada, ada_sessions, run_after_commit
    ):
        """Grace's link shows Grace's record, never Ada's sessions."""
        grace = ClientFactory(name="Grace Hopper", email="grace@example.com")
        mine = book(grace, local_time(6, 11))
        sign_in_as(client, grace.email, run_after_commit)
        page = client.get(ACCOUNT).content.decode()
        assert mine.reference in page
        assert all(a.reference not in page for a in ada_sessions)
        # ... nor may Grace open Ada's booking through the manage button.
        manage = client.post(reverse("accounts:manage", args=[ada_sessions[0].reference]))
        assert manage.status_code == 404

    def test_open_links_per_address_are_capped(self, client, ada, settings, run_after_commit):
        settings.SIGN_IN_LINKS_OPEN_MAX = 2
        tokens = [request_link(client, ada.email, run_after_commit) for _ in range(3)]
        assert tokens[0] and tokens[1] and tokens[2] is None

    def test_requests_are_rate_limited_per_client_address(self, client, ada, settings):
        settings.RATELIMIT_ENABLE = True
        settings.SIGN_IN_LINK_RATE = "2/m"
        statuses = [
            client.post(SIGN_IN, {"email": f"p{n}@example.com"}).status_code for n in range(3)
        ]
        assert statuses == [302, 302, 429]

    def test_a_bad_address_is_a_400_with_a_message(self, client):
        response = client.post(SIGN_IN, {"email": "not an address"})
        assert response.status_code == 400 and b"valid email" in response.content

    def test_signing_in_joins_every_record_booked_under_the_address(
        self, client, ada, ada_sessions, run_after_commit
    ):
        typed_again = ClientFactory(name="Ada L.", email="Ada@Example.com")
        third = book(typed_again, local_time(8, 10))
        sign_in_as(client, ada.email, run_after_commit)
        third.refresh_from_db()
        typed_again.refresh_from_db()
        assert third.client == ada and typed_again.merged_into == ada


class TestAccountPage:
    def test_anonymous_visitors_go_to_sign_in(self, client):
        for url in [ACCOUNT, reverse("accounts:erase")]:
            assert client.get(url).url == SIGN_IN
        assert client.post(reverse("accounts:export")).url == SIGN_IN

    def test_staff_without_a_client_sign_in_go_to_sign_in_too(self, client):
        client.force_login(UserFactory(username="desk", is_staff=True))
        assert client.get(ACCOUNT).url == SIGN_IN

    def test_it_shows_upcoming_past_and_the_intake_and_logs_the_read(
        self, client, ada, ada_sessions, run_after_commit, django_assert_num_queries
    ):
        upcoming, past = ada_sessions
        sign_in_as(client, ada.email, run_after_commit)
        # session load, the record, appointments (+ service, therapist, intake), bookings
        # under the address not joined, the clinic's cut-off (policy.rules), INSERT the
        # access log row, open erase request?, the payments section (packages, gift cards),
        # session save (SAVEPOINT, UPDATE, RELEASE).
        with django_assert_num_queries(12):
            response = client.get(ACCOUNT)
        page = response.content.decode()
        assert upcoming.reference in page and "Move or cancel" in page
        assert "Left shoulder" in page and "Clear" in page
        access = IntakeAccess.objects.get()
        assert access.user is None and access.where == "client's own account page"
        assert access.intake_id in (upcoming.intake_id, past.intake_id)

    def test_manage_opens_the_existing_manage_page(
        self, client, ada, ada_sessions, run_after_commit
    ):
        upcoming, _ = ada_sessions
        sign_in_as(client, ada.email, run_after_commit)
        response = client.post(reverse("accounts:manage", args=[upcoming.reference]), follow=True)
        assert response.status_code == 200
        assert response.redirect_chain[-1][0].startswith(f"/manage/{upcoming.reference}/")
        assert b"Cancel booking" in response.content

    def test_export_is_the_clients_own_json_and_logged(
        self, client, ada, ada_sessions, run_after_commit
    ):
        sign_in_as(client, ada.email, run_after_commit)
        response = client.post(reverse("accounts:export"))
        data = json.loads(response.content)
        assert {a["reference"] for a in data["appointments"]} == {a.reference for a in ada_sessions}
        assert IntakeAccess.objects.filter(where="client's own export").count() == 2

    def test_an_erase_request_is_recorded_and_erases_nothing(
        self, client, ada, ada_sessions, run_after_commit
    ):
        sign_in_as(client, ada.email, run_after_commit)
        assert client.get(reverse("accounts:erase")).status_code == 200
        client.post(reverse("accounts:erase"))
        client.post(reverse("accounts:erase"))  # twice: still one open request
        assert ErasureRequest.objects.get().client == ada
        ada.refresh_from_db()
        assert ada.name == "Ada Lovelace"
        assert b"the clinic is on it" in client.get(ACCOUNT).content

    def test_sign_out_ends_it(self, client, ada, run_after_commit):
        sign_in_as(client, ada.email, run_after_commit)
        client.post(reverse("accounts:sign_out"))
        assert client.get(ACCOUNT).status_code == 302

    def test_a_record_erased_since_signs_the_session_out(self, client, ada, run_after_commit):
        from bookings import privacy

        sign_in_as(client, ada.email, run_after_commit)
        privacy.client_erase(email=ada.email, user=UserFactory(is_superuser=True))
        assert client.get(ACCOUNT).status_code == 302
        assert not SignInLink.objects.exists()


class TestBookingAndTheRecord:
    def walk(self, web, run, contact=None):
        """The booking pages, up to review; returns the contact form's initial data."""
        urls = flow_urls()
        web.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        assert web.post(urls["intake"], form_answers()).status_code == 302
        initial = web.get(urls["contact"]).context["form"].initial
        assert web.post(urls["contact"], contact or initial).status_code == 302
        return initial, run(web.post, urls["review"])

    def test_signed_in_the_contact_details_are_filled_and_the_booking_joins(
        self, client, clinic, ada, run_after_commit
    ):
        book(ada, local_time(-20, 10), status=AppointmentStatus.COMPLETED)
        sign_in_as(client, ada.email, run_after_commit)
        initial, response = self.walk(client, run_after_commit)
        assert initial == {"name": ada.name, "email": ada.email, "phone": ada.phone}
        assert response.status_code == 302
        assert ada.appointments.count() == 2  # the new row was folded into Ada's record
        assert ada.appointments.latest("created_at").proven_by == "signed_in"

    def test_signed_out_a_typed_address_does_not_join(self, client, clinic, ada, run_after_commit):
        contact = {"name": "Mallory", "email": ada.email, "phone": "+1 212 555 0111"}
        _, response = self.walk(client, run_after_commit, contact)
        assert response.status_code == 302
        assert ada.appointments.count() == 0
        mallory = Client.objects.get(name="Mallory")
        assert mallory.merged_into is None and not mallory.is_confirmed

    def test_it_joins_once_its_emails_link_was_opened_from_the_mailbox(
        self, client, clinic, ada, run_after_commit
    ):
        """Signing in proves the mailbox now, not that a booking typed under it is theirs:
        the booking joins once the manage link of its own e-mail (with its proof) is
        opened; the link the booker was sent to after booking proves nothing."""
        book(ada, local_time(-20, 10), status=AppointmentStatus.COMPLETED)
        contact = {"name": "Ada Lovelace", "email": ada.email, "phone": ada.phone}
        mail.outbox.clear()
        _, response = self.walk(client, run_after_commit, contact)
        assert client.get(response.url).status_code == 200  # the booker's own page
        booked = Client.objects.get(merged_into=None, appointments__proven_by="").appointments.get()
        confirmation = next(m for m in mail.outbox if booked.reference in m.subject)
        link = re.search(r"https?://[^/\s]+(/manage/\S+proof=\w+)", confirmation.body).group(1)
        sign_in_as(client, ada.email, run_after_commit)
        assert ada.appointments.count() == 1
        page = client.get(ACCOUNT).content.decode()
        assert "Other bookings under your address" in page and booked.reference not in page
        assert client.get(link).status_code == 200
        assert ada.appointments.count() == 2

    def test_signed_in_but_typing_another_address_does_not_join(
        self, client, clinic, ada, run_after_commit
    ):
        sign_in_as(client, ada.email, run_after_commit)
        contact = {"name": "Ada", "email": "other@example.com", "phone": ada.phone}
        self.walk(client, run_after_commit, contact)
        assert ada.appointments.count() == 0


class TestPrefilledIntake:
    def test_a_signed_in_returning_client_starts_from_their_last_answers(
        self, client, ada, run_after_commit
    ):
        build_clinic()
        book(ada, local_time(-20, 10), status=AppointmentStatus.COMPLETED)
        sign_in_as(client, ada.email, run_after_commit)
        response = client.get(flow_urls()["intake"], {"start": local_time(3, 10).isoformat()})
        assert response.context["prefilled"]
        initial = response.context["form"].initial
        assert initial["avoid_areas"] == "Left shoulder"
        declarations = [q.key for q in QUESTIONS if q.kind == "must_be_true"]
        assert declarations and not any(initial.get(key) for key in declarations)
        assert IntakeAccess.objects.filter(where="booking form, pre-filled intake").count() == 1

    def test_signed_out_nothing_is_filled_and_nothing_read(self, client, ada):
        build_clinic()
        book(ada, local_time(-20, 10), status=AppointmentStatus.COMPLETED)
        response = client.get(flow_urls()["intake"], {"start": local_time(3, 10).isoformat()})
        assert not response.context["prefilled"]
        assert not IntakeAccess.objects.exists()
