"""Questionnaire version 3: dated contraindications make a session bookable from a day.

Pure rules (no database): `screening.screen(answers, on=session_day)`. Versions 1 and 2 keep
their yes/no meaning.
"""

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from health import questionnaires, screening
from health.questionnaires import FRACTURE_WAIT, PREGNANCY_END_WAIT, SPINAL_SURGERY_WAIT, Wait
from health.screening import InvalidAnswers, clear_answers, clear_answers_v2, screen

TODAY = dt.date(2026, 12, 2)


def surgery(day: dt.date) -> dict:
    return clear_answers(spinal_surgery="within_12_months", spinal_surgery_date=day.isoformat())


def fracture(day: dt.date) -> dict:
    return clear_answers(fracture_recent=True, fracture_date=day.isoformat())


def pregnancy_ended(day: dt.date) -> dict:
    return clear_answers(pregnancy="ended", pregnancy_end_date=day.isoformat())


class TestSpinalSurgery:
    def test_surgery_four_weeks_before_the_session_is_refused_with_the_from_date(self):
        session = dt.date(2026, 12, 20)
        result = screen(surgery(session - dt.timedelta(weeks=4)), on=session, today=TODAY)
        assert result.outcome == questionnaires.DECLINED
        assert result.bookable_from == dt.date(2027, 11, 22)
        assert result.reasons == (
            "You can book from 22 November 2027: 12 months after your spinal surgery. Your "
            "spine needs that long to heal before it can take a therapist's weight.",
        )

    def test_from_the_bookable_day_on_it_needs_clearance_as_older_surgery_always_did(self):
        operated = dt.date(2026, 1, 10)
        from_day = SPINAL_SURGERY_WAIT.after(operated)
        assert from_day == dt.date(2027, 1, 10)
        day_before = screen(surgery(operated), on=from_day - dt.timedelta(days=1))
        assert (day_before.outcome, day_before.bookable_from) == (questionnaires.DECLINED, from_day)
        on_the_day = screen(surgery(operated), on=from_day)
        assert on_the_day.outcome == questionnaires.NEEDS_CLEARANCE
        assert on_the_day.bookable_from is None
        assert on_the_day.reasons == (
            "You have had spinal surgery, so our clinical staff review your booking first.",
        )
        thirteen_months = screen(surgery(operated), on=dt.date(2027, 2, 10))
        assert thirteen_months.outcome == questionnaires.NEEDS_CLEARANCE

    def test_surgery_more_than_a_year_ago_asks_no_date(self):
        result = screen(clear_answers(spinal_surgery="over_12_months"), on=TODAY)
        assert result.outcome == questionnaires.NEEDS_CLEARANCE
        assert (
            screening.validate_answers(clear_answers(spinal_surgery="over_12_months"))[
                "spinal_surgery_date"
            ]
            is None
        )


class TestFractureAndPregnancy:
    def test_a_fracture_is_bookable_six_months_later_and_then_clear(self):
        broke = dt.date(2026, 11, 1)
        assert FRACTURE_WAIT.after(broke) == dt.date(2027, 5, 1)
        before = screen(fracture(broke), on=dt.date(2027, 4, 30))
        assert (before.outcome, before.bookable_from) == (
            questionnaires.DECLINED,
            dt.date(2027, 5, 1),
        )
        assert "6 months after your fracture" in before.reasons[0]
        after = screen(fracture(broke), on=dt.date(2027, 5, 1))
        assert (after.outcome, after.reasons, after.bookable_from) == (
            questionnaires.CLEAR,
            (),
            None,
        )

    def test_a_pregnancy_that_ended_is_bookable_twelve_weeks_later(self):
        ended = dt.date(2026, 10, 20)
        from_day = ended + dt.timedelta(weeks=12)
        assert PREGNANCY_END_WAIT.after(ended) == from_day == dt.date(2027, 1, 12)
        before = screen(pregnancy_ended(ended), on=from_day - dt.timedelta(days=1), today=TODAY)
        assert before.bookable_from == from_day
        assert before.reasons[0].startswith("You can book from 12 January 2027: 12 weeks after")
        assert screen(pregnancy_ended(ended), on=from_day).outcome == questionnaires.CLEAR

    def test_a_current_pregnancy_is_declined_with_no_date_to_wait_for(self):
        result = screen(clear_answers(pregnancy="pregnant"), on=TODAY)
        assert (result.outcome, result.bookable_from) == (questionnaires.DECLINED, None)

    def test_with_several_dated_answers_the_latest_day_counts(self):
        answers = surgery(dt.date(2026, 1, 5)) | {
            "fracture_recent": True,
            "fracture_date": "2026-11-20",
        }
        result = screen(answers, on=dt.date(2026, 12, 20))
        assert result.bookable_from == dt.date(2027, 5, 20)
        assert len(result.reasons) == 2

    def test_a_permanent_refusal_beside_a_dated_one_offers_no_date(self):
        answers = fracture(dt.date(2026, 11, 20)) | {"osteoporosis": True}
        result = screen(answers, on=dt.date(2026, 12, 20))
        assert result.outcome == questionnaires.DECLINED and result.bookable_from is None


class TestDateAnswers:
    @pytest.mark.parametrize(
        ("value", "message"),
        [
            ("2026-12-03", "in the future"),
            ("2026-02-30", "not a real date"),
            ("03/11/2026", "YYYY-MM-DD"),
            ("1899-12-31", "too long ago"),
            ("0001-01-01", "too long ago"),
            ("2025-12-01", "more than 12 months ago"),
            (20261101, "YYYY-MM-DD"),
            ("", "Please give the date"),
            (None, "Please give the date"),
        ],
    )
    def test_bad_or_absurd_surgery_dates_are_refused_by_name(self, value, message):
        answers = clear_answers(spinal_surgery="within_12_months", spinal_surgery_date=value)
        with pytest.raises(InvalidAnswers) as error:
            screen(answers, on=TODAY, today=TODAY)
        assert set(error.value.errors) == {"spinal_surgery_date"}
        assert message in error.value.errors["spinal_surgery_date"]

    def test_the_window_check_is_for_answers_given_now_not_stored_ones(self):
        """Re-screening a stored intake months later keeps what the client said then."""
        stored = surgery(dt.date(2026, 1, 5))
        assert screen(stored, on=dt.date(2027, 2, 1)).outcome == questionnaires.NEEDS_CLEARANCE

    def test_a_date_for_an_answer_that_asks_none_is_not_kept(self):
        answers = clear_answers(fracture_recent=False, fracture_date="2026-11-01")
        assert screening.validate_answers(answers, today=TODAY)["fracture_date"] is None
        assert screen(answers, on=TODAY).outcome == questionnaires.CLEAR

    def test_a_dated_answer_cannot_be_judged_without_the_session_day(self):
        with pytest.raises(TypeError):
            screen(fracture(dt.date(2026, 11, 1)))
        with pytest.raises(TypeError):
            screen(fracture(dt.date(2026, 11, 1)), on=dt.datetime(2026, 12, 20, tzinfo=dt.UTC))
        assert (
            screen(clear_answers()).outcome == questionnaires.CLEAR
        )  # nothing dated: no day needed

    @pytest.mark.parametrize(
        ("event", "wait", "expected"),
        [
            (dt.date(2026, 8, 31), Wait(months=6), dt.date(2027, 3, 1)),  # no 31 February
            (dt.date(2024, 2, 29), Wait(months=12), dt.date(2025, 3, 1)),  # never shortened
            (dt.date(2026, 1, 15), Wait(months=12), dt.date(2027, 1, 15)),
            (dt.date(2026, 12, 31), Wait(weeks=12), dt.date(2027, 3, 25)),
        ],
    )
    def test_waits_count_calendar_months_and_never_round_down(self, event, wait, expected):
        assert wait.after(event) == expected


class TestOlderVersions:
    """Stored intakes are never reinterpreted: versions 1 and 2 keep their yes/no rules."""

    @pytest.mark.parametrize("version", [1, 2])
    @pytest.mark.parametrize(
        ("answer", "outcome"),
        [
            ({}, questionnaires.CLEAR),
            ({"pregnant": True}, questionnaires.DECLINED),
            ({"spinal_surgery": "within_12_months"}, questionnaires.DECLINED),
            ({"spinal_surgery": "over_12_months"}, questionnaires.NEEDS_CLEARANCE),
            ({"fracture_recent": True}, questionnaires.DECLINED),
            ({"back_pain_now": "mild"}, questionnaires.LIGHT_PRESSURE),
        ],
    )
    def test_they_validate_and_screen_as_before(self, version, answer, outcome):
        answers = clear_answers_v2(**answer)
        if version == 1:
            del answers["avoid_regions"], answers["focus_regions"]  # never asked in 1
        assert screening.validate_answers(answers, version=version, today=TODAY)
        for on in (None, TODAY, dt.date(2030, 1, 1)):  # no rule of theirs depends on the day
            result = screen(answers, on=on, version=version)
            assert (result.version, result.outcome, result.bookable_from) == (
                version,
                outcome,
                None,
            )

    def test_old_answers_are_not_current_answers_and_the_other_way_round(self):
        with pytest.raises(InvalidAnswers) as error:
            screen(clear_answers_v2())
        assert set(error.value.errors) == {"pregnancy", "intake"}
        with pytest.raises(InvalidAnswers):
            screen(clear_answers(), version=2)

    def test_an_unknown_version_is_refused_not_crashed_on(self):
        with pytest.raises(InvalidAnswers):
            screen(clear_answers(), version=99)


events = st.dates(min_value=dt.date(1990, 1, 1), max_value=dt.date(2030, 12, 31))
waits = st.sampled_from([SPINAL_SURGERY_WAIT, FRACTURE_WAIT, PREGNANCY_END_WAIT])


@given(earlier=events, later=events, wait=waits)
def test_the_bookable_day_is_monotone_in_the_event_day(earlier, later, wait):
    earlier, later = sorted((earlier, later))
    assert wait.after(earlier) <= wait.after(later)
    assert wait.after(earlier) > earlier


@given(event=events, session=events)
def test_a_session_is_refused_exactly_before_the_bookable_day(event, session):
    result = screen(fracture(event), on=session)
    from_day = FRACTURE_WAIT.after(event)
    assert (result.outcome == questionnaires.DECLINED) == (session < from_day)
    assert result.bookable_from == (from_day if session < from_day else None)
