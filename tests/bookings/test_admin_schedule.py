"""The schedule grid in the admin: the day view (therapists as columns) and a therapist's week."""

import datetime as dt
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.models import AppointmentStatus, ClosedDay
from staff import admin_schedule
from staff.admin_schedule import APPOINTMENT, AWAY, BUFFER, FREE, OFF, Column
from tests.bookings.clinic import build_clinic, local_time, qualify, work_every_day
from tests.bookings.test_admin import booking_form_data
from tests.factories import AppointmentFactory, ClientFactory, TherapistFactory
from tests.people import request_queries
from therapists.models import TimeOff

pytestmark = pytest.mark.django_db

NEW_YORK = ZoneInfo("America/New_York")
SCHEDULE = "admin:bookings_appointment_schedule"


@pytest.fixture
def signed_in_front_desk(client, front_desk):
    """The shared front-desk login, signed in on the test's client."""
    client.force_login(front_desk)
    return front_desk


def appointment_at(clinic, start, *, therapist=None, room=None, **kwargs):
    return AppointmentFactory(
        therapist=therapist or clinic.therapists[0],
        service=clinic.bar_60,
        room=room or clinic.bar_rooms[0],
        start=start,
        **kwargs,
    )


def blocks(column: Column) -> list[tuple[str, str, int]]:
    return [(block.kind, f"{block.start:%H:%M}", block.rows) for block in column.blocks]


class TestColumn:
    """`build_column` on plain values: no database."""

    def column(self, day, appointments=(), time_off=(), working=((dt.time(9), dt.time(12)),)):
        therapist = TherapistFactory.build(pk=7)
        return admin_schedule.build_column(
            Column(day=day, therapist=therapist),
            first_minute=8 * 60,
            last_minute=13 * 60,
            working=list(working),
            time_off=list(time_off),
            appointments=list(appointments),
            tz=NEW_YORK,
        )

    def booking(self, day, hour, minute=0, minutes=60, buffer=15):
        start = dt.datetime.combine(day, dt.time(hour, minute), tzinfo=NEW_YORK)
        end = start + dt.timedelta(minutes=minutes)
        return AppointmentFactory.build(
            start=start, end=end, occupied_until=end + dt.timedelta(minutes=buffer)
        )

    def test_cuts_the_day_into_off_free_appointment_and_buffer(self):
        day = dt.date(2026, 6, 10)
        column = self.column(day, [self.booking(day, 10)])
        assert blocks(column) == [
            (OFF, "08:00", 4),
            (FREE, "09:00", 4),
            (APPOINTMENT, "10:00", 4),
            (BUFFER, "11:00", 1),
            (FREE, "11:15", 3),
            (OFF, "12:00", 4),
        ]
        assert column.bookings == 1

    def test_time_off_is_shown_over_working_hours(self):
        day = dt.date(2026, 6, 10)
        away = (
            dt.datetime.combine(day, dt.time(9, 30), tzinfo=NEW_YORK),
            dt.datetime.combine(day, dt.time(10, 10), tzinfo=NEW_YORK),
        )
        assert blocks(self.column(day, time_off=[away]))[:4] == [
            (OFF, "08:00", 4),
            (FREE, "09:00", 2),
            (AWAY, "09:30", 3),  # rounded out to whole quarter hours
            (FREE, "10:15", 7),
        ]

    def test_time_off_from_an_earlier_day_covers_the_morning(self):
        day = dt.date(2026, 6, 10)
        away = (
            dt.datetime(2026, 6, 1, tzinfo=NEW_YORK),
            dt.datetime.combine(day, dt.time(10), tzinfo=NEW_YORK),
        )
        assert blocks(self.column(day, time_off=[away]))[0] == (AWAY, "08:00", 8)

    def test_bookings_off_the_quarter_hour_share_a_block_instead_of_breaking_the_table(self):
        day = dt.date(2026, 6, 10)
        first, second = self.booking(day, 9, 0, 50, 0), self.booking(day, 9, 50, 30, 0)
        column = self.column(day, [first, second])
        [block] = [b for b in column.blocks if b.kind == APPOINTMENT]
        assert block.appointments == [first, second]
        assert sum(b.rows for b in column.blocks) == 20

    def test_rows_are_wall_clock_times_on_the_day_the_clocks_change(self):
        day = dt.date(2026, 3, 8)  # New York springs forward at 02:00
        column = self.column(day, [self.booking(day, 10)])
        assert (APPOINTMENT, "10:00", 4) in blocks(column)
        grid = admin_schedule.assemble([column], 8 * 60, 13 * 60)
        assert [row.label for row in grid.rows][:3] == ["08:00", "08:15", "08:30"]

    def test_free_time_is_bookable_from_the_next_quarter_hour(self):
        day = dt.date(2026, 6, 10)
        grid = admin_schedule.assemble([self.column(day)], 8 * 60, 13 * 60)
        admin_schedule.mark_bookable(
            grid,
            dt.datetime.combine(day, dt.time(9, 20), tzinfo=NEW_YORK),
            accepts=lambda therapist_id, start: 1,
        )
        [free] = [b for b in grid.columns[0].blocks if b.kind == FREE]
        assert f"{free.book_at:%H:%M}" == "09:30"


class TestDayView:
    def test_shows_every_therapist_with_bookings_rooms_and_free_time(
        self, client, clinic, signed_in_front_desk
    ):
        appointment = appointment_at(
            clinic, local_time(1, 10), client=ClientFactory(name="Mei Sato")
        )
        response = client.get(reverse(SCHEDULE) + f"?date={local_time(1, 0):%Y-%m-%d}")
        assert response.status_code == 200
        grid = response.context["grid"]
        names = [column.therapist for column in grid.columns]
        assert names == sorted([*clinic.therapists, clinic.floor_only], key=str)
        content = response.content.decode()
        change_url = reverse("admin:bookings_appointment_change", args=[appointment.pk])
        assert f'href="{change_url}"' in content
        assert "10:00–11:00" in content
        assert "Mei Sato" in content
        assert clinic.bar_rooms[0].name in content
        assert "Free 09:00–10:00" in content
        assert "Free 11:15–17:00" in content

    def test_cancelled_bookings_leave_their_time_free(self, client, clinic, signed_in_front_desk):
        appointment_at(clinic, local_time(1, 10), status=AppointmentStatus.CANCELLED)
        response = client.get(reverse(SCHEDULE) + f"?date={local_time(1, 0):%Y-%m-%d}")
        assert "10:00–11:00" not in response.content.decode()
        assert "Free 09:00–17:00" in response.content.decode()

    def test_today_is_the_default_and_the_arrows_move_a_day(
        self, client, clinic, signed_in_front_desk
    ):
        response = client.get(reverse(SCHEDULE))
        today = timezone.localdate()
        assert response.context["day"] == today
        assert response.context["next_day"] == today + dt.timedelta(days=1)
        assert f"?date={today - dt.timedelta(days=1):%Y-%m-%d}" in response.content.decode()

    @pytest.mark.parametrize("bad", ["tomorrow", "2026-02-30", "1066-10-14", ""])
    def test_a_bad_date_is_a_400_with_a_message_and_the_grid_of_today(
        self, client, clinic, signed_in_front_desk, bad
    ):
        response = client.get(reverse(SCHEDULE), {"date": bad})
        assert response.status_code == 400
        assert response.context["date_form"].errors
        assert response.context["day"] == timezone.localdate()

    def test_a_closed_day_says_so(self, client, clinic, signed_in_front_desk):
        ClosedDay.objects.create(date=local_time(2, 0).date(), reason="Public holiday")
        response = client.get(reverse(SCHEDULE) + f"?date={local_time(2, 0):%Y-%m-%d}")
        assert "Clinic closed" in response.content.decode()
        assert "Free 09:00" not in response.content.decode()

    def test_time_off_is_shown(self, client, clinic, signed_in_front_desk):
        TimeOff.objects.create(
            therapist=clinic.therapists[0], start=local_time(1, 12), end=local_time(1, 14)
        )
        response = client.get(reverse(SCHEDULE) + f"?date={local_time(1, 0):%Y-%m-%d}")
        column = response.context["grid"].columns[0]
        assert (AWAY, "12:00", 8) in blocks(column)

    def test_free_time_links_to_a_prefilled_booking(self, client, clinic, signed_in_front_desk):
        day = local_time(2, 0)
        response = client.get(reverse(SCHEDULE) + f"?date={day:%Y-%m-%d}")
        column = response.context["grid"].columns[0]
        [free] = [block for block in column.blocks if block.kind == FREE]
        link = (
            reverse("admin:bookings_appointment_add")
            + f"?therapist={column.therapist.pk}&amp;service={free.book_service_id}"
            f"&amp;date={day:%Y-%m-%d}&amp;time=09:00"
        )
        assert link in response.content.decode()


def book_links(response, therapist) -> list[tuple[str, int]]:
    """(start, service id) of every "Book" link in the therapist's column(s)."""
    return [
        (f"{block.book_at:%Y-%m-%d %H:%M}", block.book_service_id)
        for column in response.context["grid"].columns
        if column.therapist.pk == therapist.pk
        for block in column.blocks
        if block.book_at is not None
    ]


class TestBookLinksOnlyWhereTheServiceAccepts:
    """Issue 11 item 9: the grid offered "Book" on every free block; the service refused."""

    def day_view(self, client, day):
        return client.get(reverse(SCHEDULE) + f"?date={day:%Y-%m-%d}")

    def test_no_link_when_no_suitable_room_is_free(self, client, signed_in_front_desk):
        clinic = build_clinic(bar_rooms=1)
        clinic.floor_60.active = False  # only bar sessions, and one bar room
        clinic.floor_60.save()
        busy, idle = clinic.therapists
        AppointmentFactory(  # the only bar room, all day
            therapist=busy,
            service=clinic.bar_60,
            room=clinic.bar_rooms[0],
            start=local_time(1, 9),
            end=local_time(1, 17),
            occupied_until=local_time(1, 17, 15),
        )
        response = self.day_view(client, local_time(1, 0))
        assert book_links(response, idle) == []

    def test_no_link_when_the_therapist_is_not_certified_for_any_service(
        self, client, signed_in_front_desk
    ):
        clinic = build_clinic()
        licensed_only = TherapistFactory(display_name="Aaron Licence-Only")
        qualify(licensed_only)  # a massage licence, no Ashiatsu certification
        work_every_day(licensed_only)
        response = self.day_view(client, local_time(1, 0))
        column = next(c for c in response.context["grid"].columns if c.therapist == licensed_only)
        assert any(block.kind == FREE for block in column.blocks)
        assert book_links(response, licensed_only) == []
        assert book_links(response, clinic.therapists[0])  # a certified colleague: yes

    def test_no_link_when_the_daily_cap_is_reached(self, client, signed_in_front_desk):
        clinic = build_clinic()
        capped = clinic.therapists[0]
        capped.daily_session_cap = 1
        capped.save()
        appointment_at(clinic, local_time(1, 9), therapist=capped)
        response = self.day_view(client, local_time(1, 0))
        assert book_links(response, capped) == []
        assert book_links(response, capped_colleague := clinic.therapists[1])
        assert capped_colleague != capped

    def test_a_floor_only_therapist_is_offered_the_floor_service(
        self, client, signed_in_front_desk
    ):
        clinic = build_clinic()
        response = self.day_view(client, local_time(1, 0))
        assert {service for _, service in book_links(response, clinic.floor_only)} == {
            clinic.floor_60.pk
        }

    def test_every_offered_link_books(self, client, signed_in_front_desk):
        """The links the grid offers are exactly bookable: following one books."""
        clinic = build_clinic(bar_rooms=1)
        appointment_at(clinic, local_time(1, 10))
        response = self.day_view(client, local_time(1, 0))
        therapist = clinic.therapists[1]
        [(start, service_id), *_] = book_links(response, therapist)
        day, time = start.split()
        data = booking_form_data(clinic, start=local_time(1, 9), therapist=therapist)
        data.update(service=service_id, date=day, time=time)
        booked = client.post(reverse("admin:bookings_appointment_add"), data)
        assert booked.status_code == 302, booked.context and booked.context["book_form"].errors


class TestWeekView:
    def test_shows_the_therapists_week_monday_to_sunday(self, client, clinic, signed_in_front_desk):
        mine = appointment_at(clinic, local_time(3, 10))
        theirs = appointment_at(
            clinic, local_time(3, 10), therapist=clinic.therapists[1], room=clinic.bar_rooms[1]
        )
        day = local_time(3, 0).date()
        response = client.get(
            reverse("admin:bookings_appointment_schedule_week", args=[clinic.therapists[0].pk]),
            {"date": day.isoformat()},
        )
        assert response.status_code == 200
        days = [column.day for column in response.context["grid"].columns]
        assert days[0].weekday() == 0 and len(days) == 7 and day in days
        content = response.content.decode()
        assert mine.reference in content
        assert theirs.reference not in content

    def test_an_unknown_therapist_is_a_404(self, client, clinic, signed_in_front_desk):
        response = client.get(reverse("admin:bookings_appointment_schedule_week", args=[99999]))
        assert response.status_code == 404


def _fill_day(clinic, day_offset: int, count: int) -> None:
    """`count` bookings on one day over every therapist and room, none overlapping."""
    team = clinic.therapists
    for index in range(count):
        appointment_at(
            clinic,
            local_time(day_offset, 9 + index // len(team) * 2),
            therapist=team[index % len(team)],
            room=clinic.bar_rooms[index % len(clinic.bar_rooms)],
        )


# Besides the request (see `request_queries`): the day's bookings with client, service, style,
# room and intake joined in (1); the therapists (1) with their working hours (1) and time off
# (1); closed days (1). Then the booking rule that decides where "Book" links go (issue 11
# item 9: only where `check_slot` accepts): the booking loader `schedules.load_window`
# (the catalog's token and, the catalog being new, therapists, working hours, verified
# credentials, time off, rooms with styles, closed days, services with styles; appointments
# and waitlist holds in one UNION: 9) and the active services (1).
BOOKING_RULE_QUERIES = 10
DAY_VIEW_QUERIES = 5 + BOOKING_RULE_QUERIES
# The therapist (1); their bookings, working hours, time off and closed days of the week (4);
# the colleagues to switch to (1); the booking rule as above (9).
WEEK_VIEW_QUERIES = 6 + BOOKING_RULE_QUERIES


@pytest.mark.parametrize(("therapists", "bookings"), [(1, 1), (8, 8), (8, 32)])
def test_the_day_view_query_count_does_not_grow(
    client, signed_in_front_desk, django_assert_num_queries, therapists, bookings
):
    clinic = build_clinic(therapists=therapists, bar_rooms=8)
    _fill_day(clinic, 1, bookings)
    url = reverse(SCHEDULE) + f"?date={local_time(1, 0):%Y-%m-%d}"
    with django_assert_num_queries(request_queries() + DAY_VIEW_QUERIES):
        response = client.get(url)
    assert sum(column.bookings for column in response.context["grid"].columns) == bookings


@pytest.mark.parametrize("bookings", [1, 8])
def test_the_week_view_query_count_does_not_grow(
    client, signed_in_front_desk, django_assert_num_queries, bookings
):
    clinic = build_clinic(therapists=1, bar_rooms=2)
    for day in range(bookings):
        appointment_at(clinic, local_time(1 + day, 10))
    url = reverse("admin:bookings_appointment_schedule_week", args=[clinic.therapists[0].pk])
    with django_assert_num_queries(request_queries() + WEEK_VIEW_QUERIES):
        response = client.get(url, {"date": local_time(1, 0).date().isoformat()})
    assert response.status_code == 200
