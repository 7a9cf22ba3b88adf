"""Therapists' own hours and time off: proposed in the portal, decided by a manager, dated.

Nothing changes before a manager approves; after approval the availability API follows the
new hours from their first day (earlier days keep the old ones), and the report of a past
week counts the hours that week had.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from bookings.hours_review import uncovered_sessions
from reports.period import Period
from reports.queries import clinic_report
from tests.factories import AppointmentFactory
from therapists.hours_changes import (
    change_approve,
    change_decline,
    hours_propose,
    time_off_request,
)
from therapists.models import ChangeStatus, HoursChange, TimeOff, WorkingHours

pytestmark = pytest.mark.django_db
WEEK = [(d, dt.time(12), dt.time(16)) for d in range(7)]


def _today() -> dt.date:
    return timezone.localdate()


def _starts(client, clinic, therapist, day: dt.date) -> list[str]:
    response = client.get(
        "/api/availability",
        {
            "service": clinic.bar_60.slug,
            "therapist": therapist.slug,
            "date": day.isoformat(),
            "days": 1,
        },
    )
    assert response.status_code == 200, response.content
    return [
        dt.datetime.fromisoformat(s["start"]).strftime("%H:%M") for s in response.json()["slots"]
    ]


def test_proposed_hours_change_nothing_until_a_manager_approves(client, clinic, manager):
    therapist = clinic.therapists[0]
    first = _today() + dt.timedelta(days=5)
    change = hours_propose(therapist=therapist, valid_from=first, hours=WEEK, today=_today())
    assert _starts(client, clinic, therapist, first)[0] == "09:00"  # still the old hours

    assert change_approve(change=change, actor=manager)
    after = _starts(client, clinic, therapist, first)
    assert after[0] == "12:00" and after[-1] == "14:45"  # 60 min + 15 buffer end by 16:00
    # The day before the new hours keeps the old ones: hours are dated.
    assert _starts(client, clinic, therapist, first - dt.timedelta(days=1))[0] == "09:00"
    assert not change_approve(change=change, actor=manager)  # decided once


def test_a_declined_proposal_changes_nothing(client, clinic, manager):
    therapist = clinic.therapists[0]
    first = _today() + dt.timedelta(days=5)
    change = hours_propose(therapist=therapist, valid_from=first, hours=WEEK, today=_today())
    assert change_decline(change=change, actor=manager)
    assert _starts(client, clinic, therapist, first)[0] == "09:00"
    assert not WorkingHours.objects.filter(valid_from__isnull=False).exists()


def test_a_second_approval_replaces_hours_that_had_not_started(clinic, manager):
    therapist = clinic.therapists[0]
    today = _today()
    later = hours_propose(
        therapist=therapist, valid_from=today + dt.timedelta(days=20), hours=WEEK, today=today
    )
    change_approve(change=later, actor=manager)
    sooner = hours_propose(
        therapist=therapist,
        valid_from=today + dt.timedelta(days=10),
        hours=[(0, dt.time(8), dt.time(12))],
        today=today,
    )
    change_approve(change=sooner, actor=manager)
    rows = WorkingHours.objects.filter(therapist=therapist)
    assert set(rows.filter(valid_from__isnull=False).values_list("valid_from", "weekday")) == {
        (today + dt.timedelta(days=10), 0)
    }
    assert set(rows.filter(valid_from__isnull=True).values_list("valid_until", flat=True)) == {
        today + dt.timedelta(days=9)
    }


def test_approved_time_off_removes_its_slots(client, clinic, manager):
    therapist = clinic.therapists[0]
    day = _today() + dt.timedelta(days=3)
    tz = timezone.get_current_timezone()
    change = time_off_request(
        therapist=therapist,
        start=dt.datetime.combine(day, dt.time(9), tz),
        end=dt.datetime.combine(day, dt.time(13), tz),
        note="Dentist",
    )
    assert "09:00" in _starts(client, clinic, therapist, day)
    change_approve(change=change, actor=manager)
    assert _starts(client, clinic, therapist, day)[0] == "13:00"
    assert TimeOff.objects.get(therapist=therapist).reason == "Dentist"


def test_the_report_of_a_past_week_uses_the_hours_of_that_week(clinic, manager):
    therapist = clinic.therapists[0]
    today = _today()
    monday_next = today + dt.timedelta(days=7 - today.weekday())
    change = hours_propose(
        therapist=therapist,
        valid_from=monday_next,
        hours=[(0, dt.time(10), dt.time(12))],
        today=today,
    )
    change_approve(change=change, actor=manager)
    last_monday = monday_next - dt.timedelta(days=14)
    report = clinic_report(Period.covering(last_monday, monday_next + dt.timedelta(days=6)))
    weeks = {
        w.week: w.open_minutes for w in report.therapist_weeks if w.name == therapist.display_name
    }
    assert weeks[last_monday] == 7 * 8 * 60  # the hours that week had: 09:00-17:00 daily
    assert weeks[monday_next] == 120  # from the new hours' first day: Monday 10:00-12:00


def test_the_sessions_a_change_leaves_uncovered_are_listed(clinic):
    therapist = clinic.therapists[0]
    first = _today() + dt.timedelta(days=7 - _today().weekday())  # a Monday
    tz = timezone.get_current_timezone()
    inside = AppointmentFactory(
        therapist=therapist,
        service=clinic.bar_60,
        start=dt.datetime.combine(first, dt.time(13), tz),
    )
    outside = AppointmentFactory(
        therapist=therapist, service=clinic.bar_60, start=dt.datetime.combine(first, dt.time(9), tz)
    )
    change = hours_propose(therapist=therapist, valid_from=first, hours=WEEK, today=_today())
    assert uncovered_sessions(change) == [outside]
    assert inside not in uncovered_sessions(change)
    off = time_off_request(
        therapist=therapist,
        start=dt.datetime.combine(first, dt.time(12, 30), tz),
        end=dt.datetime.combine(first, dt.time(13, 30), tz),
    )
    assert uncovered_sessions(off) == [inside]


@pytest.mark.parametrize(
    "valid_from, hours, message",
    [
        (0, WEEK, "tomorrow at the earliest"),
        (5, [(0, dt.time(12), dt.time(11))], "end after it starts"),
        (5, [(0, dt.time(9), dt.time(12)), (0, dt.time(11), dt.time(14))], "overlap"),
    ],
)
def test_bad_proposals_are_refused_in_words(client, therapist_user, valid_from, hours, message):
    client.force_login(therapist_user)
    data = {"valid_from": (_today() + dt.timedelta(days=valid_from)).isoformat()}
    for day, start, end in hours:
        data[f"start_{day}"], data[f"end_{day}"] = f"{start:%H:%M}", f"{end:%H:%M}"
    response = client.post(reverse("therapists:hours_new"), data)
    if message == "overlap":  # the form has one interval a day: the rule refuses overlaps
        with pytest.raises(Exception, match=message):
            hours_propose(
                therapist=therapist_user.therapist,
                valid_from=_today() + dt.timedelta(days=5),
                hours=hours,
                today=_today(),
            )
        return
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not HoursChange.objects.exists()


def test_the_portal_proposes_hours_and_time_off_for_approval(client, clinic, therapist_user):
    client.force_login(therapist_user)
    first = _today() + dt.timedelta(days=5)
    data = {
        "valid_from": first.isoformat(),
        "start_0": "10:00",
        "end_0": "14:00",
        "note": "School run",
    }
    response = client.post(reverse("therapists:hours_new"), data)
    assert response.status_code == 302
    change = HoursChange.objects.get()
    assert (change.therapist, change.status, change.hours) == (
        therapist_user.therapist,
        ChangeStatus.PENDING,
        [[0, "10:00", "14:00"]],
    )
    day = first.isoformat()
    response = client.post(
        reverse("therapists:time_off_new"),
        {"start": f"{day}T09:00", "end": f"{day}T12:00", "note": "Course"},
    )
    assert response.status_code == 302
    page = client.get(reverse("therapists:hours")).content.decode()
    assert "New hours from" in page and "Time off" in page and "Waiting for a manager" in page


def test_a_therapist_sees_and_withdraws_only_their_own_requests(client, clinic, therapist_user):
    other = clinic.therapists[1]
    theirs = hours_propose(
        therapist=other, valid_from=_today() + dt.timedelta(days=5), hours=WEEK, today=_today()
    )
    client.force_login(therapist_user)
    assert "New hours from" not in client.get(reverse("therapists:hours")).content.decode()
    response = client.post(reverse("therapists:change_withdraw", args=[theirs.pk]))
    assert response.status_code == 404
    theirs.refresh_from_db()
    assert theirs.status == ChangeStatus.PENDING
    mine = hours_propose(
        therapist=therapist_user.therapist,
        valid_from=_today() + dt.timedelta(days=5),
        hours=WEEK,
        today=_today(),
    )
    client.post(reverse("therapists:change_withdraw", args=[mine.pk]))
    mine.refresh_from_db()
    assert mine.status == ChangeStatus.WITHDRAWN


@pytest.mark.parametrize("page", ["therapists:hours", "therapists:own_calendar"])
def test_anonymous_and_staff_without_a_therapist_profile_are_refused(client, front_desk, page):
    response = client.get(reverse(page))
    assert response.status_code == 302 and "login" in response["Location"]
    client.force_login(front_desk)
    assert client.get(reverse(page)).status_code == 404


def _admin_action(client, action: str, change: HoursChange):
    return client.post(
        reverse("admin:therapists_hourschange_changelist"),
        {"action": action, "_selected_action": [change.pk]},
    )


def test_the_desk_views_proposals_and_only_a_manager_decides(client, clinic, front_desk, manager):
    therapist = clinic.therapists[0]
    first = _today() + dt.timedelta(days=7 - _today().weekday())
    tz = timezone.get_current_timezone()
    session = AppointmentFactory(
        therapist=therapist, service=clinic.bar_60, start=dt.datetime.combine(first, dt.time(9), tz)
    )
    change = hours_propose(therapist=therapist, valid_from=first, hours=WEEK, today=_today())
    client.force_login(front_desk)
    listing = client.get(reverse("admin:therapists_hourschange_changelist"))
    assert listing.status_code == 200 and session.reference in listing.content.decode()
    page = client.get(reverse("admin:therapists_hourschange_change", args=[change.pk]))
    assert page.status_code == 200 and session.reference in page.content.decode()
    assert 'value="approve"' not in listing.content.decode()
    _admin_action(client, "approve", change)
    change.refresh_from_db()
    assert change.status == ChangeStatus.PENDING  # the desk cannot approve

    client.force_login(manager)
    assert (
        'value="approve"'
        in client.get(reverse("admin:therapists_hourschange_changelist")).content.decode()
    )
    response = _admin_action(client, "approve", change)
    assert response.status_code == 302
    change.refresh_from_db()
    assert (change.status, change.decided_by) == (ChangeStatus.APPROVED, manager)
    session.refresh_from_db()
    assert session.status == "confirmed"  # approving never cancels a session


def test_anonymous_is_sent_to_the_admin_login(client):
    response = client.get(reverse("admin:therapists_hourschange_changelist"))
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_desk_sees_calendar_connections_but_never_the_app_password(
    client, clinic, front_desk, staff_without_role
):
    from therapists.models import CalendarConnection

    connection = CalendarConnection.objects.create(
        therapist=clinic.therapists[0],
        url="https://cal.example.com/dav/work/",
        username="t0",
        password="sealed-app-password",
        failing_since=timezone.now(),
        last_error="The calendar server did not answer.",
    )
    client.force_login(front_desk)
    listing = client.get(reverse("admin:therapists_calendarconnection_changelist"))
    assert listing.status_code == 200
    assert "Not answering since" in listing.content.decode()
    page = client.get(reverse("admin:therapists_calendarconnection_change", args=[connection.pk]))
    assert page.status_code == 200
    assert "sealed-app-password" not in listing.content.decode() + page.content.decode()
    client.force_login(staff_without_role)
    assert client.get(reverse("admin:therapists_calendarconnection_changelist")).status_code == 403
    assert client.get(reverse("admin:therapists_hourschange_changelist")).status_code == 403
