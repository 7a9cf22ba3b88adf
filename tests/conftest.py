"""Shared test set-up."""

import pytest
from django.conf import settings
from django.db import connection
from hypothesis import settings as hypothesis_settings

hypothesis_settings.register_profile("default", deadline=None, max_examples=100)
hypothesis_settings.load_profile("default")


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
