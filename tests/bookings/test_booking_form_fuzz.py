"""Generated junk posted to every step of the booking form: never a 500, never a stray row."""

import pytest
from django.test import Client as WebClient
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Appointment
from clients.models import Client
from health.models import Intake
from health.questionnaires import QUESTIONS
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db

junk_text = st.one_of(
    st.text(max_size=50),
    st.text(alphabet=st.characters(codec="utf-8"), min_size=1000, max_size=3000),
    st.sampled_from(["yes", "no", "on", "", "null", "2026-02-30T10:00", "-1", "9" * 40]),
)
field_names = st.sampled_from(
    [q.key for q in QUESTIONS] + ["name", "email", "phone", "start", "date", "csrfmiddlewaretoken"]
)
junk_form = st.dictionaries(field_names | st.text(max_size=10), junk_text, max_size=20)
starts = st.one_of(
    st.just(None),
    st.text(max_size=40),
    st.datetimes().map(lambda d: d.isoformat()),
    st.just("2026-03-08T02:30:00-05:00"),
)

FUZZ = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def _nothing_written():
    return not (Appointment.objects.exists() or Intake.objects.exists() or Client.objects.exists())


@FUZZ
@given(data=junk_form, start=starts, step=st.sampled_from(["intake", "contact", "review"]))
def test_junk_at_any_step_is_never_a_server_error(one_therapist_clinic, data, start, step):
    browser = WebClient(raise_request_exception=False)
    base = f"/book/bar-60/any/{step}/"
    query = {"start": start} if start is not None else {}
    assert browser.get(base, query).status_code < 500
    assert browser.post(base + (f"?start={start}" if start else ""), data).status_code < 500
    assert _nothing_written()


@FUZZ
@given(date=st.text(max_size=30), service=st.text(max_size=20), therapist=st.text(max_size=20))
def test_junk_in_slot_page_urls_and_query_strings_is_never_a_server_error(
    one_therapist_clinic, date, service, therapist
):
    browser = WebClient(raise_request_exception=False)
    for url in (f"/book/{service}/{therapist}/", "/book/bar-60/any/"):
        response = browser.get(url, {"date": date})
        assert response.status_code < 500


@FUZZ
@given(reference=st.text(max_size=30), token=st.text(max_size=60), data=junk_form)
def test_junk_manage_links_are_never_a_server_error(one_therapist_clinic, reference, token, data):
    browser = WebClient(raise_request_exception=False)
    for suffix in ("", "cancel/", "reschedule/"):
        url = f"/manage/{reference}/{token}/{suffix}"
        assert browser.get(url).status_code < 500
        assert browser.post(url, data).status_code < 500


def test_a_valid_session_with_junk_review_post_books_at_most_once(one_therapist_clinic):
    """The session draft is the only source of the booking; posted fields are ignored."""
    browser = WebClient(raise_request_exception=False)
    browser.get("/book/bar-60/any/intake/", {"start": local_time(3, 10).isoformat()})
    answers = {q.key: "no" for q in QUESTIONS if q.kind == "bool"}
    answers |= {"spinal_surgery": "no", "back_pain_now": "none", "pressure": "medium"}
    answers |= {"pregnancy": "no"}
    answers |= {"consent": "on", "adult": "on", "other_conditions": "", "avoid_areas": ""}
    assert browser.post("/book/bar-60/any/intake/", answers).status_code == 302
    contact = {"name": "A", "email": "a@example.com", "phone": "+1 212 555 0100"}
    assert browser.post("/book/bar-60/any/contact/", contact).status_code == 302
    browser.post("/book/bar-60/any/review/", {"start": "2020-01-01T00:00:00+00:00"})
    browser.post("/book/bar-60/any/review/", {})
    assert Appointment.objects.count() == 1
