"""bookings/series.py: a treatment plan is booked whole or not at all, at a constant wall time."""

import datetime as dt
from itertools import pairwise
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings

from bookings import availability, booking_changes, series, services
from bookings.models import Appointment, AppointmentEvent, AppointmentStatus, TreatmentPlan
from bookings.series import SeriesError, series_book, series_cancel, series_preview
from health.models import Intake
from health.screening import clear_answers
from outbox.models import Email
from tests.bookings.clinic import local_time
from tests.factories import AppointmentFactory, ClientFactory, UserFactory
from therapists.models import TimeOff

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")


@pytest.fixture
def record():
    return ClientFactory(name="Ada Client", email="ada@example.com")


def book(clinic, record, *, start=None, every=2, sessions=4, answers=None, actor="staff", **kw):
    if actor == "staff":
        actor = UserFactory(username="front", is_staff=True)
    return series_book(
        client=record,
        service=kw.pop("service", clinic.bar_60),
        therapist=kw.pop("therapist", clinic.therapists[0]),
        first_start=start or local_time(3, 10),
        interval_weeks=every,
        sessions=sessions,
        answers=answers or clear_answers(),
        actor=actor,
        **kw,
    )


def nothing_booked() -> bool:
    return not (
        Appointment.objects.exists()
        or Intake.objects.exists()
        or TreatmentPlan.objects.exists()
        or Email.objects.exists()
    )


def test_the_clinic_runs_on_new_york_time():
    assert settings.CLINIC_TIME_ZONE == "America/New_York"


class TestStarts:
    def test_every_two_weeks_at_ten_stays_ten_across_the_spring_change(self):
        first = dt.datetime(2027, 3, 2, 10, tzinfo=NEW_YORK)  # EST, before 14 March
        starts = series.series_starts(first_start=first, interval_weeks=2, sessions=3)
        assert [s.astimezone(NEW_YORK).strftime("%m-%d %H:%M %Z") for s in starts] == [
            "03-02 10:00 EST",
            "03-16 10:00 EDT",
            "03-30 10:00 EDT",
        ]
        # One real hour less between the first two: what adding 14 days in UTC would miss.
        # (In UTC: Python subtracts two times of the same zone as wall times.)
        real = starts[1].astimezone(dt.UTC) - starts[0].astimezone(dt.UTC)
        assert real == dt.timedelta(days=14, hours=-1)

    def test_the_wall_time_is_read_in_the_clinic_zone_whatever_offset_it_came_with(self):
        first = dt.datetime(2027, 3, 2, 15, tzinfo=dt.UTC)  # 10:00 in New York
        starts = series.series_starts(first_start=first, interval_weeks=1, sessions=3)
        assert {s.astimezone(NEW_YORK).time() for s in starts} == {dt.time(10)}


class TestBookAll:
    def test_all_sessions_are_booked_in_one_plan_with_the_same_therapist(self, clinic, record):
        result = book(clinic, record, sessions=4, every=2)
        appointments = list(result.plan.appointments.order_by("start"))
        assert len(appointments) == 4 == TreatmentPlan.objects.get().session_count
        assert {a.therapist for a in appointments} == {clinic.therapists[0]}
        assert {a.client for a in appointments} == {record}
        assert {a.status for a in appointments} == {AppointmentStatus.CONFIRMED}
        days = [a.start.astimezone(NEW_YORK).date() for a in appointments]
        assert {b - a for a, b in pairwise(days)} == {dt.timedelta(weeks=2)}
        assert result.plan.created_by.username == "front"
        # One intake per session (each can be re-confirmed), all the same screened answers.
        assert len({a.intake_id for a in appointments}) == 4
        assert {a.intake.outcome for a in appointments} == {"clear"}
        events = AppointmentEvent.objects.filter(appointment__in=appointments)
        assert sorted(e.details["session"] for e in events) == [1, 2, 3, 4]
        assert {e.details["series"] for e in events} == {result.plan.pk}

    def test_across_the_dst_change_the_local_time_is_constant(self, clinic, record):
        now = dt.datetime(2027, 2, 20, 12, tzinfo=NEW_YORK)
        first = dt.datetime(2027, 3, 2, 10, tzinfo=NEW_YORK)
        result = book(clinic, record, start=first, every=2, sessions=4, now=now)
        local = [a.start.astimezone(NEW_YORK) for a in result.plan.appointments.order_by("start")]
        assert [t.strftime("%Y-%m-%d %H:%M %Z") for t in local] == [
            "2027-03-02 10:00 EST",
            "2027-03-16 10:00 EDT",
            "2027-03-30 10:00 EDT",
            "2027-04-13 10:00 EDT",
        ]

    def test_later_sessions_may_lie_beyond_the_booking_horizon(self, clinic, record):
        result = book(clinic, record, every=8, sessions=3)  # the third is 16 weeks on
        last = result.plan.appointments.order_by("start").last()
        assert last.start.date() - local_time(3, 10).date() == dt.timedelta(weeks=16)

    def test_needs_clearance_books_every_session_pending_review(self, clinic, record):
        result = book(clinic, record, answers=clear_answers(disc_condition=True), sessions=3)
        assert {a.status for a in result.plan.appointments.all()} == {
            AppointmentStatus.PENDING_REVIEW
        }


class TestNoneBooked:
    def test_one_date_taken_books_none_and_lists_it_with_alternatives(self, clinic, record):
        taken = local_time(3 + 14, 10)  # the second session's time
        AppointmentFactory(
            therapist=clinic.therapists[0],
            service=clinic.bar_60,
            room=clinic.bar_rooms[0],
            start=taken,
        )
        before = Appointment.objects.count()
        with pytest.raises(SeriesError) as error:
            book(clinic, record, sessions=4, every=2)
        assert Appointment.objects.count() == before
        assert not TreatmentPlan.objects.exists()
        assert not Email.objects.exists()
        [refusal] = error.value.refusals
        assert (refusal.number, refusal.start, refusal.code) == (2, taken, services.TAKEN)
        assert "Nothing was booked" in error.value.message
        assert refusal.alternatives  # the nearest free times with the same therapist
        for moment in refusal.alternatives:
            assert abs(moment.date() - taken.date()) <= dt.timedelta(days=2)
            assert not (taken - dt.timedelta(minutes=75) < moment < taken + dt.timedelta(hours=1))
        # The first alternative is the nearest one: right after the taken session and buffer.
        assert refusal.alternatives[0] == taken + dt.timedelta(minutes=75)

    def test_an_alternative_chosen_for_the_taken_date_books_the_whole_series(self, clinic, record):
        taken = local_time(3 + 14, 10)
        AppointmentFactory(
            therapist=clinic.therapists[0],
            service=clinic.bar_60,
            room=clinic.bar_rooms[0],
            start=taken,
        )
        with pytest.raises(SeriesError) as error:
            book(clinic, record, sessions=3)
        alternative = error.value.refusals[0].alternatives[0]
        result = book(clinic, record, sessions=3, replacements={2: alternative})
        assert result.plan.appointments.count() == 3
        assert result.plan.appointments.filter(start=alternative).exists()

    def test_the_therapists_day_off_books_none(self, clinic, record):
        day_off = local_time(3 + 28, 0)
        TimeOff.objects.create(
            therapist=clinic.therapists[0], start=day_off, end=day_off + dt.timedelta(days=1)
        )
        with pytest.raises(SeriesError) as error:
            book(clinic, record, sessions=4)
        assert [(r.number, r.code) for r in error.value.refusals] == [(3, availability.TIME_OFF)]
        assert nothing_booked()

    def test_a_full_day_books_none(self, clinic, record):
        therapist = clinic.therapists[0]
        therapist.daily_session_cap = 1
        therapist.save()
        AppointmentFactory(
            therapist=therapist, service=clinic.bar_60, room=clinic.bar_rooms[1],
            start=local_time(3 + 14, 15),
        )  # fmt: skip
        with pytest.raises(SeriesError) as error:
            book(clinic, record, sessions=3)
        assert [(r.number, r.code) for r in error.value.refusals] == [(2, services.TAKEN)]
        assert "fully booked on this day" in error.value.refusals[0].message
        assert Appointment.objects.count() == 1

    def test_a_week_over_budget_books_none(self, clinic, record):
        therapist = clinic.therapists[0]
        therapist.weekly_load_minutes = 60
        therapist.save()
        AppointmentFactory(
            therapist=therapist, service=clinic.bar_60, room=clinic.bar_rooms[1],
            start=local_time(3 + 7, 15),
        )  # fmt: skip
        with pytest.raises(SeriesError) as error:
            book(clinic, record, sessions=3, every=1)
        assert [r.number for r in error.value.refusals] == [2]
        assert "fully booked this week" in error.value.refusals[0].message
        assert Appointment.objects.count() == 1

    def test_several_refused_dates_are_all_listed(self, clinic, record):
        for days in (3 + 14, 3 + 42):
            AppointmentFactory(
                therapist=clinic.therapists[0], service=clinic.bar_60,
                room=clinic.bar_rooms[0], start=local_time(days, 10),
            )  # fmt: skip
        with pytest.raises(SeriesError) as error:
            book(clinic, record, sessions=4)
        assert [r.number for r in error.value.refusals] == [2, 4]

    def test_a_declined_intake_books_none(self, clinic, record):
        with pytest.raises(SeriesError) as error:
            book(clinic, record, answers=clear_answers(osteoporosis=True))
        assert error.value.code == services.DECLINED
        assert nothing_booked()

    @pytest.mark.parametrize(("sessions", "every"), [(1, 2), (13, 2), (4, 0), (4, 9), (-1, 1)])
    def test_out_of_bounds_shapes_are_refused_with_a_message(self, clinic, record, sessions, every):
        with pytest.raises(SeriesError) as error:
            book(clinic, record, sessions=sessions, every=every)
        assert error.value.code == services.INVALID_REQUEST
        assert error.value.errors
        assert nothing_booked()

    def test_any_therapist_is_refused(self, clinic, record):
        with pytest.raises(SeriesError) as error:
            book(clinic, record, therapist=None)
        assert "therapist" in error.value.errors

    def test_a_first_session_beyond_the_horizon_is_refused(self, clinic, record):
        with pytest.raises(SeriesError) as error:
            book(clinic, record, start=local_time(settings.BOOKING_HORIZON_DAYS + 5, 10))
        assert [(r.number, r.code) for r in error.value.refusals] == [(1, availability.TOO_FAR)]

    def test_a_far_date_is_a_clear_refusal(self, clinic, record):
        with pytest.raises(services.BookingError):
            book(clinic, record, start=dt.datetime(9999, 12, 1, 10, tzinfo=NEW_YORK))
        assert nothing_booked()


class TestClients:
    def test_a_client_may_not_book_a_series_of_a_service_that_does_not_allow_it(
        self, clinic, record
    ):
        with pytest.raises(SeriesError) as error:
            book(clinic, record, actor=None, start=local_time(3, 10))
        assert error.value.code == series.NOT_OFFERED_AS_SERIES
        assert nothing_booked()

    def test_a_client_repeats_their_booking_which_becomes_session_one(self, clinic, record):
        clinic.bar_60.allows_series = True
        clinic.bar_60.save()
        anchor = AppointmentFactory(
            client=record, therapist=clinic.therapists[0], service=clinic.bar_60,
            room=clinic.bar_rooms[0], start=local_time(3, 10),
        )  # fmt: skip
        result = book(clinic, record, actor=None, anchor=anchor, sessions=3)
        anchor.refresh_from_db()
        assert anchor.treatment_plan == result.plan
        assert result.plan.appointments.count() == 3
        assert result.plan.created_by is None
        assert anchor.events.get().kind == AppointmentEvent.Kind.SERIES

    def test_a_client_may_not_repeat_someone_elses_booking(self, clinic, record):
        clinic.bar_60.allows_series = True
        clinic.bar_60.save()
        anchor = AppointmentFactory(
            therapist=clinic.therapists[0], service=clinic.bar_60,
            room=clinic.bar_rooms[0], start=local_time(3, 10),
        )  # fmt: skip
        with pytest.raises(SeriesError):
            book(clinic, record, actor=None, anchor=anchor)
        assert Appointment.objects.count() == 1


class TestPreview:
    def test_the_preview_lists_each_date_and_books_nothing(self, clinic):
        taken = local_time(3 + 7, 10)
        AppointmentFactory(
            therapist=clinic.therapists[0], service=clinic.bar_60,
            room=clinic.bar_rooms[0], start=taken,
        )  # fmt: skip
        planned = series_preview(
            service=clinic.bar_60,
            therapist=clinic.therapists[0],
            first_start=local_time(3, 10),
            interval_weeks=1,
            sessions=3,
            actor=UserFactory(username="front", is_staff=True),
        )
        assert [(p.number, p.refusal is None) for p in planned] == [
            (1, True),
            (2, False),
            (3, True),
        ]
        assert planned[1].refusal.alternatives
        assert Appointment.objects.count() == 1


class TestCancel:
    def test_cancelling_the_series_cancels_only_its_future_sessions(self, clinic, record):
        result = book(clinic, record, sessions=4, every=1)
        appointments = list(result.plan.appointments.order_by("start"))
        # Later: the first session happened, the client came.
        later = appointments[1].start - dt.timedelta(hours=30)
        first = appointments[0]
        Appointment.objects.filter(pk=first.pk).update(status=AppointmentStatus.COMPLETED)
        outcome = series_cancel(plan=result.plan, actor=UserFactory(is_staff=True), now=later)
        statuses = [a.status for a in result.plan.appointments.order_by("start")]
        assert statuses == [AppointmentStatus.COMPLETED] + [AppointmentStatus.CANCELLED] * 3
        assert len(outcome.cancelled) == 3
        result.plan.refresh_from_db()
        assert result.plan.cancelled_at == later
        # Through the one cancellation service: history line and the client's e-mail each.
        assert Email.objects.filter(kind="cancelled").count() == 3
        with pytest.raises(SeriesError):
            series_cancel(plan=result.plan, actor=UserFactory(is_staff=True), now=later)

    def test_cancelling_one_session_leaves_the_rest(self, clinic, record):
        result = book(clinic, record, sessions=3)
        booking_changes.booking_cancel(
            appointment=result.plan.appointments.order_by("start")[1],
            actor=UserFactory(is_staff=True),
        )
        assert sorted(result.plan.appointments.values_list("status", flat=True)) == [
            AppointmentStatus.CANCELLED,
            AppointmentStatus.CONFIRMED,
            AppointmentStatus.CONFIRMED,
        ]

    def test_a_client_cannot_cancel_a_session_inside_the_cut_off_it_is_kept(self, clinic, record):
        result = book(clinic, record, sessions=3)
        first = result.plan.appointments.order_by("start").first()
        outcome = series_cancel(
            plan=result.plan, actor=None, now=first.start - dt.timedelta(hours=2)
        )
        assert [a.pk for a, _why in outcome.kept] == [first.pk]
        assert len(outcome.cancelled) == 2


def test_merging_two_records_moves_the_plan_with_its_sessions(clinic, record, manager):
    from bookings.clients import client_merge

    result = book(clinic, record, sessions=2)
    keep = ClientFactory(name="Ada Client", email="ada@example.org")
    client_merge(keep=keep, merge=record, by=manager)
    result.plan.refresh_from_db()
    assert result.plan.client == keep
    assert set(result.plan.appointments.values_list("client", flat=True)) == {keep.pk}
