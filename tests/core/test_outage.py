"""The database-outage answer (`core.outage`) for each way an outage reaches it; the fault
suite (tests/faults/test_database_restart.py) proves it against a PostgreSQL really stopped."""

import json

import pytest
from django.db.utils import IntegrityError, InterfaceError, OperationalError, ProgrammingError
from django.test import RequestFactory

from core import outage


def _middleware():
    return outage.DatabaseOutageMiddleware(lambda request: None)


@pytest.mark.parametrize("error", [OperationalError("gone"), InterfaceError("closed")])
def test_a_view_failing_on_the_database_answers_503_json_under_the_api(error):
    response = _middleware().process_exception(RequestFactory().get("/api/services"), error)
    assert response.status_code == 503
    assert response["Retry-After"] == str(outage.RETRY_AFTER_SECONDS)
    body = json.loads(response.content)
    assert body["code"] == "unavailable" and body["errors"] == {}


def test_a_page_failing_on_the_database_answers_a_short_html_page():
    request = RequestFactory().get("/book/")
    response = _middleware().process_exception(request, OperationalError("gone"))
    assert response.status_code == 503 and response["Retry-After"] == "30"
    assert response["Content-Type"].startswith("text/html")
    assert b"Please try again in a minute" in response.content


@pytest.mark.parametrize("error", [ProgrammingError("bad sql"), IntegrityError("dup"), KeyError()])
def test_a_bug_is_not_an_outage(error):
    assert _middleware().process_exception(RequestFactory().get("/book/"), error) is None


def test_handler500_answers_503_for_an_outage_raised_outside_a_view_and_500_otherwise():
    request = RequestFactory().get("/book/")
    try:
        raise OperationalError("the database system is shutting down")
    except OperationalError:
        assert outage.server_error(request).status_code == 503
    try:
        raise ValueError("a bug")
    except ValueError:
        assert outage.server_error(request).status_code == 500
