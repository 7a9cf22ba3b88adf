"""Two-factor sign-in in real Chromium, as in production (STAFF_REQUIRE_2FA on): a
therapist's first sign-in enrols an authenticator app from the page's QR code / key and
gets recovery codes; the next sign-in asks for a code; a recovery code works once."""

import base64
import re

import pytest
from django_otp.oath import TOTP
from playwright.sync_api import Page, expect

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "ashiatsu-demo"


@pytest.fixture(autouse=True)
def two_factor_on(settings):
    settings.STAFF_REQUIRE_2FA = True


def code_for(secret: str, steps_ahead: int = 0) -> str:
    """What the phone's app shows for the key typed off the page."""
    raw = secret.replace(" ", "")
    totp = TOTP(base64.b32decode(raw + "=" * (-len(raw) % 8)))
    totp.drift = steps_ahead
    return f"{totp.token():06d}"


def sign_in(page: Page) -> None:
    page.goto("/therapist/")
    page.get_by_label("Username").fill("aiko-tanaka")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", name="Therapist login")).to_be_visible()


def test_a_therapist_enrols_an_app_then_signs_in_with_a_code_and_a_recovery_code(
    page: Page, steps, aiko
):
    blocked = []
    page.on(
        "console", lambda m: blocked.append(m.text) if "Content Security Policy" in m.text else None
    )
    sign_in(page)
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    expect(page.locator(".twofactor-qr svg")).to_be_visible()
    expect(page.get_by_role("button", name="Register a passkey")).to_be_visible()
    steps("enrol")
    secret = page.get_by_test_id("totp-secret").inner_text()
    assert re.fullmatch(r"[A-Z2-7]{4}( [A-Z2-7]{4})+", secret)
    # The portal is still closed.
    page.goto("/therapist/")
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()

    page.get_by_label("Code").fill(code_for(secret))
    page.get_by_role("button", name="Confirm").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    codes = page.get_by_test_id("recovery-codes").get_by_role("listitem").all_inner_texts()
    assert len(codes) == 10
    assert blocked == []  # the passkey script and the page's own run under the CSP
    steps("recovery-codes")
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    steps("portal")
    sign_out(page)

    # Next sign-in: the app's code (the next 30-second step: the first one is used up).
    sign_in(page)
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    steps("verify")
    page.get_by_label("Code").fill(code_for(secret, steps_ahead=1))
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    sign_out(page)

    # Phone lost: a recovery code, once.
    sign_in(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    expect(page.get_by_role("status").filter(has_text="9 left")).to_be_visible()
    sign_out(page)

    sign_in(page)
    page.get_by_label("Code").fill(codes[0])
    page.get_by_role("button", name="Verify").click()
    expect(page.get_by_text("That code was not accepted.")).to_be_visible()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()


def test_a_therapist_enrols_a_passkey_and_signs_in_with_it(
    page: Page, steps, aiko, live_server, settings
):
    """Chromium's virtual authenticator (DevTools WebAuthn domain) stands in for a phone's
    fingerprint. Passkeys need a host name (never an IP address): the live server is reached
    as localhost here."""
    port = live_server.url.rsplit(":", 1)[1]
    origin = f"http://localhost:{port}"
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, "localhost"]
    settings.OTP_WEBAUTHN_RP_ID = "localhost"
    settings.OTP_WEBAUTHN_ALLOWED_ORIGINS = [origin]
    devtools = page.context.new_cdp_session(page)
    devtools.send("WebAuthn.enable")
    devtools.send(
        "WebAuthn.addVirtualAuthenticator",
        {
            "options": {
                "protocol": "ctap2",
                "transport": "internal",
                "hasResidentKey": True,
                "hasUserVerification": True,
                "isUserVerified": True,
            }
        },
    )

    def session_id():
        return next(c["value"] for c in page.context.cookies() if c["name"] == "sessionid")

    def sign_in_here():
        page.goto(origin + "/therapist/")
        page.get_by_label("Username").fill("aiko-tanaka")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Log in").click()

    sign_in_here()
    page.get_by_role("button", name="Register a passkey").click()
    expect(page.get_by_role("heading", name="Recovery codes")).to_be_visible()
    assert aiko.user.webauthncredential_set.filter(confirmed=True).count() == 1
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    sign_out(page)

    sign_in_here()
    expect(page.get_by_role("heading", name="Confirm it is you")).to_be_visible()
    steps("verify-passkey")
    before = session_id()
    page.get_by_role("button", name="Use your passkey").click()
    expect(page.get_by_role("heading", name=re.compile(r"^Today, "))).to_be_visible()
    assert session_id() != before  # a new session id once verified


def test_the_front_desk_enrols_on_the_way_to_the_money_page(page: Page, steps, front_desk):
    """Staff sign in at the admin's login; the page they asked for opens after enrolment."""
    page.goto("/staff/money/")
    page.get_by_label("Username").fill(front_desk.username)
    page.get_by_label("Password").fill("correct-horse-battery")  # tests.factories.UserFactory
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", name="Set up two-factor sign-in")).to_be_visible()
    secret = page.get_by_test_id("totp-secret").inner_text()
    page.get_by_label("Code").fill(code_for(secret))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("link", name="I have saved them, continue").click()
    expect(page).to_have_url(re.compile(r"/staff/money/$"))
    expect(page.get_by_text(re.compile(r"Takings of "))).not_to_have_count(0)
    steps("money")
