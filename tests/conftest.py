"""Shared test set-up."""

import datetime as dt
import os

import pytest
import time_machine
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

hypothesis_settings.register_profile("default", deadline=None, max_examples=100)
hypothesis_settings.load_profile("default")


def pytest_configure(config):
    """`TEST_CLOCK=2026-12-02T23:30-05:00 make test` runs the suite as if started then (the
    clock ticks on from there): the way to find tests that pass only at some hours, since
    CI runs at any hour. Only Python's clock moves: PostgreSQL's now() (the signed-note
    triggers) and localstripe (webhook signatures) keep the real one, so the three tests
    of those fail under it by design (2 Dec 2026: at 23:30 only they failed, at 06:30 none)."""
    start = os.environ.get("TEST_CLOCK")
    if start:
        traveller = time_machine.travel(dt.datetime.fromisoformat(start), tick=True)
        traveller.start()
        config.add_cleanup(traveller.stop)


def pytest_report_header(config):
    if not settings.configured:
        return None
    database = settings.DATABASES["default"]
    where = database.get("HOST") or database.get("NAME")
    return f"database: {database['ENGINE'].rsplit('.', 1)[-1]} ({where})"


@pytest.fixture
def postgres_only():
    """Skip where the database is not PostgreSQL (exclusion constraints need it)."""
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: exclusion constraints")


@pytest.fixture(autouse=True)
def _fast_test_settings(settings):
    """Tests do not run collectstatic, so use storage that needs no manifest; and hash
    passwords cheaply (the demo seeds two dozen logins)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture(autouse=True)
def _english_after_each_test():
    """LocaleMiddleware leaves the last request's language active in the thread; a test that
    browsed in Spanish must not make the next one's service messages Spanish."""
    yield
    from django.utils import translation

    translation.deactivate()


# --- The cast: one clinic and the people in it -------------------------------------------------
# Every test that says `clinic`, `manager`, `front_desk`... means these (docs/testing.md). A test
# that needs someone or something different gives it its own name (`clinic_with_deposits`,
# `superuser_client`), so a fixture name means one thing everywhere; test_fixture_cast.py
# refuses a second definition of a cast name.


@pytest.fixture
def clinic():
    """A small, fully bookable clinic (`tests.bookings.clinic.build_clinic`): two therapists
    qualified for bar and floor work plus one floor-only, two bar rooms, every day open."""
    from tests.bookings.clinic import build_clinic

    return build_clinic()


@pytest.fixture
def one_therapist_clinic():
    """`clinic` at its smallest: one therapist for bar and floor work (plus the floor-only
    one), one bar room."""
    from tests.bookings.clinic import build_clinic

    return build_clinic(therapists=1, bar_rooms=1)


@pytest.fixture
def staff_without_role():
    """A staff login in no role group (the services' `actor.is_staff` checks)."""
    from tests.people import staff_member

    return staff_member("temp", None)


@pytest.fixture
def front_desk():
    """A front-desk login (the "Front desk" role)."""
    from tests.people import FRONT_DESK, staff_member

    return staff_member("desk", FRONT_DESK)


@pytest.fixture
def manager():
    """A clinic-manager login (the "Clinic manager" role)."""
    from tests.people import CLINIC_MANAGER, staff_member

    return staff_member("boss", CLINIC_MANAGER)


@pytest.fixture
def signed_in_superuser_manager(client, manager):
    """`manager`, made superuser (every admin change permission: the input is the point, not
    the role) and signed in on the test's client."""
    manager.is_superuser = True
    manager.save()
    client.force_login(manager)
    return manager


@pytest.fixture
def therapist_user(clinic):
    """The login of the clinic's first therapist: signed in, but not staff."""
    return clinic.therapists[0].user


@pytest.fixture
def alice():
    """A therapist of her own, outside `clinic`: Alice Walker (`alice-walker`), no hours."""
    from tests.factories import TherapistFactory

    return TherapistFactory(display_name="Alice Walker", slug="alice-walker")


@pytest.fixture
def bob():
    """A second therapist outside `clinic`: Bob Stepper (`bob-stepper`), no hours."""
    from tests.factories import TherapistFactory

    return TherapistFactory(display_name="Bob Stepper", slug="bob-stepper")


@pytest.fixture
def ada():
    """A client record: Ada Lovelace, ada@example.com, no bookings yet."""
    from tests.factories import ClientFactory

    return ClientFactory(name="Ada Lovelace", email="ada@example.com")


@pytest.fixture
def run_after_commit(django_capture_on_commit_callbacks):
    """Run what is queued after commit (e-mails, the waitlist offer task), like the worker."""

    def run(action, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return action(*args, **kwargs)

    return run


@pytest.fixture
def people(front_desk, manager, therapist_user, staff_without_role):
    """Everyone a permission matrix logs in as; None is the anonymous visitor."""
    return {
        "desk": front_desk,
        "manager": manager,
        "therapist": therapist_user,
        "no_role": staff_without_role,
        "anonymous": None,
    }
