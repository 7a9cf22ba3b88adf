"""Every figure of the manager's report against the hand-computed clinic of `fixture.py`."""

import datetime as dt
from decimal import Decimal

import pytest

from reports.period import Period
from reports.queries import QUERIES, clinic_report
from tests.reports.fixture import WEEK_1, WEEK_2, build

pytestmark = pytest.mark.django_db


@pytest.fixture
def reported_clinic():
    return build()


@pytest.fixture
def report(reported_clinic):
    return clinic_report(
        Period.covering(WEEK_1, WEEK_2 + dt.timedelta(days=6)), now=reported_clinic.now
    )


def _by(lines, *keys):
    return {tuple(getattr(line, k) for k in keys): line for line in lines}


def test_utilisation_per_therapist_and_week_is_booked_against_open_minutes(report):
    weeks = _by(report.therapist_weeks, "name", "week")
    # Ana: 60 + 90 booked (Eve's cancellation frees its time); 60 + 90 + 60 (pending holds).
    # Ben: 60 (no-show holds its time) + 60; 90 + 60. Open minutes in fixture.py.
    expected = {
        ("Ana", WEEK_1): (2400, 150, 2, 6.25),
        ("Ana", WEEK_2): (1680, 210, 3, 12.5),
        ("Ben", WEEK_1): (480, 120, 2, 25.0),
        ("Ben", WEEK_2): (480, 150, 2, 31.25),
    }
    assert {
        key: (w.open_minutes, w.booked_minutes, w.sessions, w.percent) for key, w in weeks.items()
    } == expected
    totals = _by(report.therapists, "name")
    assert (totals[("Ana",)].open_minutes, totals[("Ana",)].booked_minutes) == (4080, 360)
    assert totals[("Ben",)].percent == pytest.approx(28.125)
    clinic_weeks = [(w.open_minutes, w.booked_minutes) for w in report.clinic_weeks]
    assert clinic_weeks == [(2880, 270), (2160, 360)]
    assert report.clinic.percent == pytest.approx(12.5)


def test_utilisation_per_room_counts_the_clinic_open_hours_minus_closed_days(report):
    weeks = _by(report.room_weeks, "name", "week")
    assert {k: (w.open_minutes, w.booked_minutes) for k, w in weeks.items()} == {
        ("Bar room", WEEK_1): (2400, 180),
        ("Bar room", WEEK_2): (1920, 180),
        ("Mat room", WEEK_1): (2400, 90),
        ("Mat room", WEEK_2): (1920, 180),
    }
    rooms = _by(report.rooms, "name")
    assert rooms[("Bar room",)].percent == pytest.approx(100 * 360 / 4320)


def test_no_show_and_late_cancel_rates_by_week(report):
    week_1, week_2 = report.rates
    # Six bookings in week 1: two cancelled (Dave late, Eve early), four due, one no-show.
    assert (week_1.bookings, week_1.cancelled, week_1.late_cancelled) == (6, 2, 1)
    assert (week_1.due, week_1.no_shows) == (4, 1)
    assert week_1.no_show_percent == 25.0
    assert week_1.late_cancel_percent == pytest.approx(100 / 6)
    assert (week_2.bookings, week_2.cancelled, week_2.due, week_2.no_shows) == (5, 0, 5, 0)
    total = report.rates_total
    assert (total.bookings, total.late_cancelled, total.due, total.no_shows) == (11, 1, 9, 1)


def test_new_and_returning_clients_by_normalised_email_and_retention(report):
    week_1, week_2 = report.clients
    # Week 1: Alice and Bob (first visits), Hank (returning). Carol's no-show is no visit,
    # Dave and Eve cancelled. Both newcomers came back in week 2.
    assert (week_1.clients, week_1.new, week_1.returning, week_1.came_back) == (3, 2, 1, 2)
    assert week_1.retention_percent == 100.0
    # Week 2: Alice (as ALICE@...) and Bob (as bob@...) return; Frank and Gina are new, and
    # so is the erased Ivy, whose earlier visit can no longer be linked to her.
    assert (week_2.clients, week_2.new, week_2.returning, week_2.came_back) == (5, 3, 2, 0)
    assert (report.clients_total.new, report.clients_total.came_back) == (5, 2)
    assert report.clients_total.retention_percent == 40.0


def test_bookings_by_service_and_style_with_list_price_value(report):
    lines = {line.service: line for line in report.services}
    bar, floor = lines["Bar 60"], lines["Floor 90"]
    assert (bar.bookings, bar.cancelled, bar.no_shows, bar.kept, bar.kept_minutes) == (
        7,
        1,
        1,
        5,
        300,
    )
    assert bar.value == Decimal("600.00")
    assert (floor.bookings, floor.cancelled, floor.no_shows, floor.kept) == (4, 1, 0, 3)
    assert (floor.kept_minutes, floor.value) == (270, Decimal("450.00"))
    assert [(s.style, s.bookings, s.value) for s in report.styles] == [
        ("Bar", 7, Decimal("600.00")),
        ("Floor", 4, Decimal("450.00")),
    ]


def test_review_queue_waiting_time_by_week_booked_and_the_queue_now(report):
    week_1, week_2 = report.reviews
    assert (week_1.needed_review, week_1.decided, week_1.average_hours) == (1, 1, 6.0)
    assert week_1.longest_hours == 6.0
    assert (week_2.needed_review, week_2.decided, week_2.average_hours) == (1, 0, None)
    assert report.waiting_now == 1
    assert report.oldest_waiting_hours == 72.0  # Tue 10:00 to Fri 10:00


def test_load_against_budget_uses_the_style_weights(reported_clinic, settings):
    settings.LOAD_STYLE_WEIGHTS = {"bar": 150, "floor": 100}
    report = clinic_report(Period.covering(WEEK_1, WEEK_2), now=reported_clinic.now)
    loads = {load.name: load for load in report.loads}
    ana, ben = loads["Ana"], loads["Ben"]
    # Ana: 60 bar x 1.5 + 90 floor = 180; 90 + 90 + 90 = 270. Ben: 90 + 90 and 90 + 90.
    assert {m: v // 100 for m, v in ana.weekly.items()} == {WEEK_1: 180, WEEK_2: 270}
    assert (ana.average_minutes, ana.peak_minutes, ana.peak_week) == (225, 270, WEEK_2)
    assert (ana.weeks_over, ana.peak_percent) == (0, 22.5)
    assert (ben.peak_minutes, ben.budget_minutes, ben.weeks_over) == (180, 170, 2)


def test_the_query_count_does_not_grow_with_the_range(reported_clinic, django_assert_num_queries):
    """QUERIES: therapists, rooms, working hours, time off, closed days, booked per
    therapist-week, booked per room-week, rates, clients, services, review waits, queue."""
    for first, last in [(WEEK_1, WEEK_1), (WEEK_1 - dt.timedelta(weeks=50), WEEK_2)]:
        with django_assert_num_queries(QUERIES):
            clinic_report(Period.covering(first, last), now=reported_clinic.now)


def test_an_empty_clinic_reports_zeros_not_errors():
    report = clinic_report(Period.covering(WEEK_1, WEEK_2))
    assert report.clinic.percent is None
    assert [w.bookings for w in report.rates] == [0, 0]
    assert report.services == [] and report.waiting_now == 0
