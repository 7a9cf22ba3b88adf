"""Junk in, 4xx out: the JSON API never answers 500 and never half-writes a booking.

Hypothesis sends mostly-invalid requests: random JSON of any shape and random bytes; bookings
that are valid except for one to three places (a field replaced by junk of any type, text the
database cannot store such as NUL or a lone surrogate, huge strings, dates that do not exist,
a deleted field, an unknown key), so the junk gets past the schema and reaches the slug
lookups, the contact form, the screening and the booking service; random availability query
strings; cancel calls with random references and tokens. A valid booking slips through now
and then; then (and only then) a 201 with one new booking is fine.
"""

import datetime as dt
import json
import string
from urllib.parse import quote

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bookings.models import Appointment
from clients.models import Client
from health import questionnaires
from health.models import Intake
from health.screening import clear_answers
from tests.bookings.clinic import local_time

pytestmark = pytest.mark.django_db

FUZZ = settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

# Any unicode, lone surrogates and NUL included (json.dumps escapes them as \uXXXX).
any_text = st.text(st.characters(exclude_categories=()), max_size=40)
# What a URL can carry (a lone surrogate cannot be percent-encoded).
url_text = st.text(max_size=40)
odd_strings = st.one_of(
    any_text,
    st.sampled_from(["", " ", "\x00", "any", "null", "true", "0", "-1", "1e999", "NaN"]),
    st.builds(lambda c, n: c * n, st.sampled_from("x9\x00é"), st.integers(1000, 100_000)),
)
nasty_text = st.one_of(
    st.sampled_from(["\x00", "back\x00", "\ud800", "neck \udfff", "\u202e", "\ufeff", ""]),
    st.builds(lambda c, n: c * n, st.sampled_from("x\x00é"), st.integers(999, 100_000)),
    any_text,
)
json_scalars = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(),  # NaN and infinities too: Python's json writes and reads them
    odd_strings,
)
json_values = st.recursive(
    json_scalars,
    lambda children: st.one_of(
        st.lists(children, max_size=4), st.dictionaries(any_text, children, max_size=4)
    ),
    max_leaves=12,
)


def chance(percent: int):
    """True about `percent` in 100 draws. A band in the middle of the range, because
    Hypothesis favours the ends; shrinks to False."""
    return st.integers(0, 99).map(lambda n: 40 <= n < 40 + percent)


def mostly(valid, junk, percent_junk: int = 7):
    """`valid`, or now and then `junk` (shrinks towards valid)."""
    return chance(percent_junk).flatmap(lambda bad: junk if bad else valid)


date_texts = st.one_of(
    st.dates().map(dt.date.isoformat),
    st.builds(
        "{:04d}-{:02d}-{:02d}".format, st.integers(0, 9999), st.integers(0, 13), st.integers(0, 32)
    ),
    st.sampled_from(["tomorrow", "2026-02-30", "2026-13-01", "0000-00-00", "20261201"]),
    url_text,
)
start_texts = st.one_of(
    st.builds(
        lambda day, hour, minute, offset: f"{day}T{hour:02d}:{minute:02d}:00{offset}",
        date_texts,
        st.integers(0, 25),
        st.sampled_from([0, 7, 15, 30, 45, 60]),
        st.sampled_from(["-05:00", "-04:00", "+00:00", "Z", "+14:00", "-12:00", ""]),
    ),
    st.datetimes(timezones=st.just(dt.UTC)).map(dt.datetime.isoformat),
    odd_strings,
)
# Mostly bookable quarter hours (09:00-15:45 within the horizon), sometimes around them:
# outside hours, too soon, too far. Free or taken depends on what the run booked before.
near_slots = mostly(
    st.builds(
        lambda days, hour, quarter: local_time(days, hour, 15 * quarter).isoformat(),
        st.integers(1, 55),
        st.integers(9, 15),
        st.integers(0, 3),
    ),
    st.builds(
        lambda days, hour, minute: local_time(days, hour, minute).isoformat(),
        st.integers(-1, 70),
        st.integers(0, 23),
        st.integers(0, 59),
    ),
    30,
)


junk_answers = st.one_of(
    st.lists(json_scalars, max_size=3),
    st.dictionaries(st.text(max_size=5), json_scalars, max_size=3),
    odd_strings,
    json_scalars,
)


def valid_answer(question: questionnaires.Question):
    if question.kind == questionnaires.BOOL:
        return st.booleans()
    if question.kind == questionnaires.MUST_BE_TRUE:
        return st.just(True)
    if question.kind == questionnaires.CHOICE:
        return st.sampled_from([key for key, _ in question.choices])
    return st.text(max_size=30)


# Where a near-valid booking can be broken: a top-level field, a contact detail, an answer.
PLACES = [
    ("service",),
    ("therapist",),
    ("start",),
    ("client",),
    ("intake",),
    ("client", "name"),
    ("client", "email"),
    ("client", "phone"),
    *(("intake", question.key) for question in questionnaires.QUESTIONS),
]
TEXT_QUESTIONS = {q.key for q in questionnaires.QUESTIONS if q.kind == questionnaires.TEXT}


def junk_for(place: tuple[str, ...]):
    """Junk that fits the place: text the database cannot store where text goes, answers of
    the wrong type where an answer goes, anything at all elsewhere."""
    if place == ("start",):
        return st.one_of(start_texts, json_values)
    if place[0] == "client" and len(place) == 2:
        return st.one_of(nasty_text, json_scalars)
    if place[0] == "intake" and len(place) == 2:
        return st.one_of(nasty_text, junk_answers) if place[1] in TEXT_QUESTIONS else junk_answers
    return json_values


@st.composite
def booking_payloads(draw, slugs):
    """A booking that is valid in shape (the time may still be one the clinic refuses), with
    usually one or two places broken: replaced by junk, deleted, or given an unknown key."""
    services, therapists = slugs
    body = {
        "service": draw(st.sampled_from(services)),
        "therapist": draw(st.sampled_from(therapists)),
        "start": draw(near_slots),
        "client": {"name": "Ada Client", "email": "ada@example.com", "phone": "+1 212 555 0199"},
        # Mostly the clear answer, so outcomes other than "declined" occur too; free text
        # is now and then text the database cannot store, riding on an otherwise valid booking.
        "intake": {
            question.key: draw(
                mostly(st.just(value), nasty_text, 25)
                if question.key in TEXT_QUESTIONS
                else mostly(st.just(value), valid_answer(question), 10)
            )
            for question, value in zip(
                questionnaires.QUESTIONS, clear_answers().values(), strict=True
            )
        },
    }
    places = draw(st.lists(st.sampled_from(PLACES), min_size=1, max_size=3, unique=True))
    if draw(chance(15)):
        places = []
    for *parents, key in places:
        target = body
        for parent in parents:
            target = target.get(parent) if isinstance(target, dict) else None
        if not isinstance(target, dict):
            continue  # an earlier break already replaced the parent
        action = draw(st.sampled_from(["junk", "junk", "delete", "unknown key"]))
        if action == "junk":
            target[key] = draw(junk_for((*parents, key)))
        elif action == "delete":
            target.pop(key, None)
        else:
            target[draw(any_text)] = draw(json_values)
    return body


def slugs_of(clinic) -> tuple[list[str], list[str]]:
    services = [clinic.bar_60.slug, clinic.floor_60.slug]
    therapists = ["any", clinic.floor_only.slug, *(t.slug for t in clinic.therapists)]
    return services, therapists


def rows() -> tuple[int, int, int]:
    return Appointment.objects.count(), Client.objects.count(), Intake.objects.count()


def assert_json_answer(response) -> None:
    assert response.status_code < 500, response.content[:500]
    assert response["Content-Type"].startswith("application/json"), response.content[:200]
    json.loads(response.content)


def test_posting_junk_bookings_never_errors_or_half_writes(client, clinic):
    @FUZZ
    @given(
        body=st.one_of(
            # three times: near-valid bookings get deepest, so they get most of the examples
            booking_payloads(slugs_of(clinic)),
            booking_payloads(slugs_of(clinic)),
            booking_payloads(slugs_of(clinic)),
            json_values,
            st.binary(max_size=200).map(lambda raw: raw.decode("latin-1")),
        )
    )
    def run(body):
        data = body if isinstance(body, str) else json.dumps(body)
        before = rows()
        response = client.post("/api/bookings", data, content_type="application/json")
        assert_json_answer(response)
        if response.status_code == 201:
            assert rows() == tuple(count + 1 for count in before)
        else:
            assert rows() == before, response.content[:500]

    run()


def test_junk_availability_queries_never_error(client, clinic):
    services, therapists = slugs_of(clinic)
    params = st.fixed_dictionaries(
        {"service": mostly(st.sampled_from(services), url_text)},
        optional={
            "date": mostly(st.dates(dt.date(2020, 1, 1), dt.date(2035, 1, 1)), date_texts),
            "days": mostly(st.integers(1, 60), st.one_of(st.integers(), url_text)),
            "therapist": mostly(st.sampled_from(therapists), url_text),
        },
    )
    raw = st.text(string.printable + "%é\x00", max_size=80)

    @FUZZ
    @given(query=st.one_of(params, params, st.dictionaries(url_text, url_text, max_size=4), raw))
    def run(query):
        if isinstance(query, str):
            response = client.get("/api/availability?" + quote(query, safe="=&%+"))
        else:
            response = client.get("/api/availability", query)
        assert_json_answer(response)
        if response.status_code == 200:
            assert set(response.json()) == {"timezone", "slots"}

    run()


def test_junk_cancellations_never_error_or_cancel(client, clinic):
    booked = client.post(
        "/api/bookings",
        json.dumps(
            {
                "service": clinic.bar_60.slug,
                "therapist": "any",
                "start": local_time(3, 10).isoformat(),
                "client": {"name": "Ada", "email": "ada@example.com", "phone": "+1 212 555 0199"},
                "intake": clear_answers(),
            }
        ),
        content_type="application/json",
    ).json()
    reference = booked["reference"]
    references = st.one_of(
        st.just(reference),
        st.text("0123456789ABCDEFGHJKMNPQRSTVWXYZ", min_size=8, max_size=8),
        url_text,  # "/" and "" included: the API answers JSON for any path
    )
    tokens = st.one_of(st.text(string.ascii_letters + "-_", min_size=43, max_size=43), odd_strings)

    @FUZZ
    @given(
        ref=references,
        body=mostly(st.fixed_dictionaries({"token": mostly(tokens, json_values)}), json_values),
    )
    def run(ref, body):
        response = client.post(
            f"/api/bookings/{quote(ref, safe='')}/cancel",
            json.dumps(body),
            content_type="application/json",
        )
        assert_json_answer(response)
        assert response.status_code != 200  # nobody guesses a 43-character token
        assert Appointment.objects.get().status == "confirmed"

    run()
