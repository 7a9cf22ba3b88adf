"""The client-facing and money surfaces walked as an attacker would: telling known from
unknown addresses and gift-card codes, links reused or aimed at another booking, other
people's objects by id, redirects off-site, spreadsheet formulas in every CSV export, and
the headers and cookies of each kind of page."""

import ast
import datetime as dt
import re
from pathlib import Path

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from bookings import clients
from clients.models import Client
from core.csv_cells import safe_cell
from payments import gift_cards, ledger
from payments.models import Method
from tests.accounts.test_views import ACCOUNT, SIGN_IN, sign_in_as
from tests.bookings.clinic import build_clinic, local_time
from tests.factories import AppointmentFactory, ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parent.parent
APPS = ["accounts", "bookings", "charts", "core", "outbox", "payments", "portal", "reports"]
APPS += ["therapists", "waitlist", "ashiatsu_clinic"]
EVIL = ["https://evil.example/", "//evil.example/", "/\\evil.example/", "https:evil.example"]


@pytest.fixture
def ada_with_a_booking(ada):
    """`ada` with a session five days ahead (so she has an account to sign in to)."""
    AppointmentFactory(client=ada, start=local_time(5, 10))
    return ada


def _page(response, typed: str) -> bytes:
    """The page without what differs per request anyway (the typed code, the CSRF token)."""
    body = response.content.replace(typed.encode(), b"")
    return re.sub(rb'name="csrfmiddlewaretoken" value="[^"]+"', b"", body)


def queries_of(action) -> tuple[object, list[str]]:
    with CaptureQueriesContext(connection) as captured:
        result = action()
    return result, [q["sql"].split()[0] for q in captured.captured_queries]


class TestEnumeration:
    def test_sign_in_answers_and_works_alike_for_known_and_unknown_addresses(
        self, client, ada_with_a_booking, django_capture_on_commit_callbacks
    ):
        """The page does the same work for either (the look-up is the worker's), so
        neither the answer nor its timing says who has booked with the clinic."""
        answers, work = [], []
        for email in ["ada@example.com", "nobody@example.com"]:
            with django_capture_on_commit_callbacks(execute=False):
                response, sql = queries_of(lambda e=email: client.post(SIGN_IN, {"email": e}))
            answers.append((response.status_code, response["Location"], response.cookies.keys()))
            work.append(sql)
        assert answers[0] == answers[1]
        assert work[0] == work[1]

    def test_a_gift_card_code_unknown_or_wrong_gets_one_answer(self, client, front_desk):
        """A mistyped real code and a made-up one: the same page, the same work."""
        _card, code = gift_cards.gift_card_issue(
            amount_cents=5000,
            recipient_name="Grace",
            purchaser_email="g@example.com",
            method=Method.CASH,
            actor=front_desk,
        )
        url = reverse("payments:gift_card_balance")
        mistyped = code[:-1] + ("A" if code[-1] != "A" else "B")
        answers, work = [], []
        for typed in [mistyped, "GIFT-ZZZZ-ZZZZ-ZZZZ"]:
            response, sql = queries_of(lambda t=typed: client.post(url, {"code": t}))
            answers.append((response.status_code, _page(response, typed)))
            work.append(sql)
        assert answers[0] == answers[1] and answers[0][0] == 404
        assert work[0] == work[1]


class TestLinks:
    def test_a_mailbox_proof_works_for_its_own_booking_only(
        self, client, ada_with_a_booking, run_after_commit
    ):
        build_clinic()
        other = ClientFactory(name="Mallory", email="ada@example.com")
        hers = AppointmentFactory(client=other, start=local_time(6, 10), proven_by="")
        theirs = AppointmentFactory(client=ada_with_a_booking, start=local_time(7, 10))
        token = hers.set_manage_token()
        hers.save()
        proof_of_another = clients.mailbox_proof(theirs)
        url = reverse("bookings:manage", args=[hers.reference, token])
        assert client.get(f"{url}?proof={proof_of_another}").status_code == 200
        hers.refresh_from_db()
        assert not hers.proven_by
        # ... and a changed address makes the old proof worthless.
        proof = clients.mailbox_proof(hers)
        Client.objects.filter(pk=other.pk).update(email="else@example.com")
        assert client.get(f"{url}?proof={proof}").status_code == 200
        hers.refresh_from_db()
        assert not hers.proven_by

    def test_a_used_or_expired_sign_in_link_signs_nobody_in(
        self, client, ada_with_a_booking, run_after_commit
    ):
        from accounts.models import SignInLink

        token = sign_in_as(client, ada_with_a_booking.email, run_after_commit)
        client.post(reverse("accounts:sign_out"))
        assert client.post(reverse("accounts:sign_in_link", args=[token])).status_code == 400
        SignInLink.objects.update(used_at=None, expires_at=timezone.now() - dt.timedelta(1))
        assert client.post(reverse("accounts:sign_in_link", args=[token])).status_code == 400
        assert client.get(ACCOUNT).status_code == 302


class TestOtherPeoplesObjects:
    def test_another_clients_series_and_booking_are_404(
        self, client, ada_with_a_booking, run_after_commit
    ):
        from bookings.models import TreatmentPlan

        grace = ClientFactory(name="Grace", email="grace@example.com")
        theirs = AppointmentFactory(client=grace, start=local_time(8, 10))
        plan = TreatmentPlan.objects.create(
            client=grace,
            service=theirs.service,
            therapist=theirs.therapist,
            interval_weeks=2,
            session_count=2,
            first_start=theirs.start,
        )
        sign_in_as(client, ada_with_a_booking.email, run_after_commit)
        assert client.post(reverse("accounts:manage", args=[theirs.reference])).status_code == 404
        assert client.post(reverse("accounts:series_cancel", args=[plan.pk])).status_code == 404
        assert client.get(reverse("accounts:series", args=[theirs.reference])).status_code == 404

    def test_a_receipt_by_id_is_for_money_staff_only(self, client, front_desk, ada_with_a_booking):
        payment = ledger.desk_payment_record(
            amount_cents=1000, method=Method.CASH, actor=front_desk, note="", payer_name="Ada"
        )
        url = reverse("payments:receipt_pdf", args=[payment.pk])
        assert client.get(url).status_code == 302  # anonymous: the admin login
        client.force_login(TherapistFactory().user)
        assert client.get(url).status_code in (302, 403)
        client.force_login(front_desk)
        assert client.get(url).status_code == 200


class TestRedirects:
    @pytest.mark.parametrize("target", EVIL)
    def test_the_portal_login_never_sends_off_site(self, client, target):
        therapist = TherapistFactory()
        response = client.post(
            f"{reverse('therapists:login')}?next={target}",
            {"username": therapist.user.username, "password": "correct-horse-battery"},
        )
        assert response.status_code == 302 and response["Location"].startswith("/")
        assert not response["Location"].startswith(("//", "/\\"))

    @pytest.mark.parametrize("target", EVIL)
    def test_the_language_switch_never_sends_off_site(self, client, target):
        response = client.post(reverse("set_language"), {"language": "es", "next": target})
        assert response["Location"].startswith("/") and "evil" not in response["Location"]

    @pytest.mark.parametrize("target", EVIL)
    def test_the_admin_login_never_sends_off_site(self, client, target, settings, manager):
        settings.ADMIN_REQUIRE_2FA = settings.STAFF_REQUIRE_2FA = False
        response = client.post(
            f"{reverse('admin:login')}?next={target}",
            {"username": manager.username, "password": "correct-horse-battery"},
        )
        assert "evil" not in response.get("Location", "")

    def test_no_view_of_ours_redirects_to_a_url_it_was_given(self):
        """Redirect targets come from `reverse`, never from the request: a view that reads
        `next` must check it with url_has_allowed_host_and_scheme."""
        offenders = []
        for app in APPS:
            for path in (ROOT / app).rglob("*.py"):
                text = path.read_text()
                reads_next = '"next"' in text or "'next'" in text
                if reads_next and "url_has_allowed_host_and_scheme" not in text:
                    offenders.append(str(path.relative_to(ROOT)))
        assert offenders == []


class TestCsvExports:
    @pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
    def test_a_cell_that_starts_like_a_formula_is_text(self, start):
        assert safe_cell(f"{start}HYPERLINK(1)") == f"'{start}HYPERLINK(1)"

    @pytest.mark.parametrize("number", ["-12.50", "+3", "40%", "-7", 12, -3.5])
    def test_a_plain_number_stays_a_number(self, number):
        assert safe_cell(number) == number

    @pytest.mark.parametrize("start", ["\t", "\r"])
    def test_the_report_csv_defuses_tab_and_carriage_return_too(self, client, manager, start):
        TherapistFactory(display_name=f"{start}=HYPERLINK(1)")
        client.force_login(manager)
        body = client.get(
            reverse("reports:csv", args=["utilisation-therapists"]),
            {"start": "2026-06-01", "end": "2026-06-14"},
        ).content.decode()
        assert f"'{start}=HYPERLINK(1)" in body

    def test_the_ledger_defuses_every_text_cell(self, client, manager, front_desk):
        ledger.desk_payment_record(
            amount_cents=1234, method=Method.CASH, actor=front_desk, note="@SUM(A1)", payer_name="x"
        )
        today = timezone.localdate().isoformat()
        client.force_login(manager)
        response = client.get(reverse("payments:ledger_csv"), {"start": today, "end": today})
        text = b"".join(response.streaming_content).decode()
        assert ",@SUM" not in text and "12.34" in text

    def test_every_export_writes_through_the_one_helper(self):
        """`csv.writer` appears only in core/csv_cells.py; every export uses csv_writer."""
        offenders = []
        for app in APPS:
            for path in (ROOT / app).rglob("*.py"):
                tree = ast.parse(path.read_text())
                for node in ast.walk(tree):
                    if (
                        isinstance(node, ast.Attribute)
                        and node.attr in ("writer", "DictWriter")
                        and isinstance(node.value, ast.Name)
                        and node.value.id == "csv"
                        and path.name != "csv_cells.py"
                    ):
                        offenders.append(str(path.relative_to(ROOT)))
        assert offenders == []


class TestHeadersAndCookies:
    @pytest.fixture
    def pages(self, client, ada_with_a_booking, manager, front_desk, run_after_commit):
        """(kind of page, browser, url, private?) for each page type."""
        clinic = build_clinic()
        therapist = clinic.therapists[0]
        session = AppointmentFactory(
            client=ada_with_a_booking, therapist=therapist, start=local_time(2, 10)
        )
        token = session.set_manage_token()
        session.save()
        from django.test import Client as Browser

        anonymous, signed_in, portal, money, boss = (Browser() for _ in range(5))
        sign_in_as(signed_in, ada_with_a_booking.email, run_after_commit)
        portal.force_login(therapist.user)
        money.force_login(front_desk)
        boss.force_login(manager)
        today = timezone.localdate().isoformat()
        receipt = ledger.desk_payment_record(
            amount_cents=1000, method=Method.CASH, actor=front_desk, note="", payer_name="Ada"
        )
        return [
            ("public page", anonymous, reverse("bookings:home"), False),
            ("sign-in", anonymous, SIGN_IN, True),
            ("gift card balance", anonymous, reverse("payments:gift_card_balance"), True),
            (
                "manage link",
                anonymous,
                reverse("bookings:manage", args=[session.reference, token]),
                True,
            ),
            ("account", signed_in, ACCOUNT, True),
            ("portal", portal, reverse("therapists:appointment", args=[session.reference]), True),
            ("money page", money, reverse("payments:appointment", args=[session.reference]), True),
            (
                "ledger csv",
                boss,
                f"{reverse('payments:ledger_csv')}?start={today}&end={today}",
                True,
            ),
            ("admin", boss, reverse("admin:index"), True),
            ("receipt pdf", money, reverse("payments:receipt_pdf", args=[receipt.pk]), True),
            ("api json", anonymous, "/api/services", False),
            ("not found", anonymous, "/no-such-page/", False),
        ]

    def test_each_kind_of_page_sends_the_security_headers(self, pages, settings):
        settings.ADMIN_REQUIRE_2FA = settings.STAFF_REQUIRE_2FA = False
        missing = []
        for kind, browser, url, private in pages:
            response = browser.get(url, secure=True)
            headers = response.headers
            wanted = {
                "X-Content-Type-Options": "nosniff",
                "Referrer-Policy": "same-origin",
                "X-Frame-Options": "DENY",
            }
            for name, value in wanted.items():
                if headers.get(name) != value:
                    missing.append((kind, name, headers.get(name)))
            if "frame-ancestors 'none'" not in headers.get("Content-Security-Policy", ""):
                missing.append((kind, "CSP", headers.get("Content-Security-Policy")))
            if private and "no-store" not in headers.get("Cache-Control", ""):
                missing.append((kind, "Cache-Control", headers.get("Cache-Control")))
        assert missing == []

    def test_the_client_session_cookie_is_http_only_same_site_and_secure(
        self, ada_with_a_booking, run_after_commit, settings
    ):
        from django.test import Client as Browser

        settings.SESSION_COOKIE_SECURE = settings.CSRF_COOKIE_SECURE = True
        browser = Browser()
        before = None
        browser.get(SIGN_IN)
        before = browser.cookies.get("sessionid")
        sign_in_as(browser, ada_with_a_booking.email, run_after_commit)
        cookie = browser.cookies["sessionid"]
        assert cookie["httponly"] and cookie["secure"] and cookie["samesite"] == "Lax"
        assert before is None or before.value != cookie.value  # a new id at sign-in
