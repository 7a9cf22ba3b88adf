"""Real-browser tests: Debian's Chromium driven by Playwright against pytest-django's live server.

Playwright's sync API runs an event loop in the main thread for the whole session, so Django's
async-safety check would refuse the ORM calls these tests (and any test after them) make from
that thread. Nothing here is actually asynchronous, so the check is switched off before Django
sees a query.
"""

import os

os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

import contextlib  # noqa: E402
import re  # noqa: E402
import shutil  # noqa: E402
from pathlib import Path  # noqa: E402

import pytest  # noqa: E402
from django.conf import settings  # noqa: E402

CHROMIUM = Path("/usr/bin/chromium")
# Without these Chromium, run as root on a closed network, stalls on start-up or phones home.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = "test-artifacts"
# Fail fast: a missing element should cost seconds, not Playwright's default 30 s.
TIMEOUT_MS = 10_000

_call_report = pytest.StashKey[pytest.TestReport]()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    """Remember the outcome of the test body, so `steps` knows whether to keep screenshots."""
    report = yield
    if report.when == "call":
        item.stash[_call_report] = report
    return report


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    """Launch Debian's Chromium (never a downloaded one: `playwright install` is not used)."""
    if not os.access(CHROMIUM, os.X_OK):
        message = f"{CHROMIUM} is missing: install Debian's chromium package to run browser tests."
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    return {
        **browser_type_launch_args,
        "executable_path": str(CHROMIUM),
        "args": CHROMIUM_ARGS,
    }


@pytest.fixture(scope="session")
def base_url(live_server):
    """`page.goto("/book/")` goes to the live server."""
    return live_server.url


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args):
    """A visitor in the clinic's own time zone and language."""
    return {
        **browser_context_args,
        "locale": "en-US",
        "timezone_id": settings.CLINIC_TIME_ZONE,
    }


@pytest.fixture
def page(page):
    page.set_default_timeout(TIMEOUT_MS)
    page.set_default_navigation_timeout(TIMEOUT_MS)
    return page


class Steps:
    """Screenshots of each step of a test, numbered in the order taken."""

    def __init__(self, page):
        self.page = page
        self.shots: list[tuple[str, bytes]] = []

    def __call__(self, name: str) -> None:
        self.shots.append((name, self.page.screenshot(full_page=True)))

    def save(self, folder: Path) -> None:
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for number, (name, png) in enumerate(self.shots, start=1):
            (folder / f"{number:02d}-{name}.png").write_bytes(png)


@pytest.fixture
def steps(request, page):
    """Call `steps("review")` after each step. The screenshots are written to
    test-artifacts/<test name>/NN-<step>.png when the test fails (plus one of the page as
    it was at the failure), or always when KEEP_SCREENSHOTS=1."""
    recorder = Steps(page)
    yield recorder
    report = request.node.stash.get(_call_report, None)
    failed = report is None or report.failed
    if failed and not recorder.page.is_closed():
        # A page that died with the test must not hide the test's own error.
        with contextlib.suppress(Exception):
            recorder("at-failure")
    if failed or os.environ.get("KEEP_SCREENSHOTS") == "1":
        name = re.sub(r"[^A-Za-z0-9_.-]+", "-", request.node.name).strip("-")
        recorder.save(request.config.rootpath / ARTIFACTS / name)


@pytest.fixture
def aiko():
    """A therapist with a login like the demo's: Aiko Tanaka, password `ashiatsu-demo`."""
    from tests.factories import TherapistFactory, UserFactory

    user = UserFactory(username="aiko-tanaka", password="ashiatsu-demo", first_name="Aiko")
    return TherapistFactory(display_name="Aiko Tanaka", slug="aiko-tanaka", user=user)


@pytest.fixture
def eight_in_the_morning():
    """Today at 08:00 clinic time, so "today's schedule" has free time ahead of it whenever the
    suite runs (the live server runs in this process, so it shares the clock)."""
    import time_machine

    from tests.bookings.clinic import local_time

    with time_machine.travel(local_time(0, 8), tick=True):
        yield
