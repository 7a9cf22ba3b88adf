"""Therapists' own calendars both ways, against a real CalDAV server (Radicale).

After one sync a private event blocks the overlapping slots in /api/availability; a booked
session appears in the calendar with the client's initials only (and moves and goes with
the booking); a wrong password or address is said in words on connect; a calendar that
stops answering is retried and, after a day, the therapist and the desk are told.
"""

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.module_loading import import_string

from caldav_sync import client as caldav_client
from caldav_sync.sync import calendar_connect, calendar_sync
from caldav_sync.tasks import calendars_sync_due
from outbox.models import Email
from tests.caldav_sync.conftest import PASSWORD, USER
from tests.factories import AppointmentFactory, ClientFactory
from therapists.models import CalendarConnection, ExternalBusy

pytestmark = pytest.mark.django_db(transaction=False)


def _local(days: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return dt.datetime.combine(day, dt.time(hour, minute), timezone.get_current_timezone())


def _starts(client, clinic, therapist, days: int) -> set[str]:
    answer = client.get(
        "/api/availability",
        {
            "service": clinic.bar_60.slug,
            "therapist": therapist.slug,
            "date": _local(days, 0).date().isoformat(),
            "days": 1,
        },
    ).json()
    return {dt.datetime.fromisoformat(s["start"]).strftime("%H:%M") for s in answer["slots"]}


def _connect(therapist, calendar) -> CalendarConnection:
    return calendar_connect(
        therapist=therapist, url=str(calendar.url), username=USER, password=PASSWORD
    )


def _built(email: Email):
    """The message the outbox's worker would send for `email`."""
    return import_string(email.builder)(email.params, secret="")


def _events(calendar) -> dict[str, str]:
    found = calendar.search(start=_local(-2, 0), end=_local(70, 0), event=True, expand=True)
    return {str(e.icalendar_component["uid"]): str(e.icalendar_component["summary"]) for e in found}


def test_a_private_event_removes_the_overlapping_slots_after_one_sync(
    client, clinic, work_calendar
):
    therapist = clinic.therapists[0]
    connection = _connect(therapist, work_calendar)
    assert {"10:00", "11:00", "12:00"} <= _starts(client, clinic, therapist, 3)
    work_calendar.save_event(
        dtstart=_local(3, 11), dtend=_local(3, 12), summary="Dentist", uid="dentist-1"
    )
    assert calendar_sync(connection)
    starts = _starts(client, clinic, therapist, 3)
    # 60 minutes + 15 of buffer may not reach into 11:00-12:00.
    assert not {"10:00", "10:45", "11:00", "11:45"} & starts
    assert {"09:45", "12:00"} <= starts
    busy = ExternalBusy.objects.get()
    assert (busy.start, busy.end) == (_local(3, 11), _local(3, 12))
    assert "Dentist" not in str(ExternalBusy.objects.values_list())  # only times are kept
    # A removed event frees its time again.
    work_calendar.event_by_uid("dentist-1").delete()
    assert calendar_sync(connection)
    assert {"10:00", "11:00"} <= _starts(client, clinic, therapist, 3)
    assert not ExternalBusy.objects.exists()


def test_a_booked_session_appears_with_initials_only_and_follows_moves_and_cancels(
    clinic, work_calendar
):
    therapist = clinic.therapists[0]
    connection = _connect(therapist, work_calendar)
    session = AppointmentFactory(
        therapist=therapist,
        service=clinic.bar_60,
        client=ClientFactory(name="Ada María Lovelace", email="ada@example.com"),
        start=_local(4, 10),
    )
    assert calendar_sync(connection)
    uid = f"{caldav_client.UID_PREFIX}{session.pk}"
    events = _events(work_calendar)
    assert events == {uid: f"{clinic.bar_60.name}: A.M.L."}
    raw = work_calendar.event_by_uid(uid).data
    assert "Lovelace" not in raw and "ada@example.com" not in raw and "Ada" not in raw
    assert not ExternalBusy.objects.exists()  # the clinic's own events are not busy times

    session.start, session.end = _local(5, 14), _local(5, 15)
    session.occupied_until = _local(5, 15, 15)
    session.save()
    assert calendar_sync(connection)
    event = work_calendar.event_by_uid(uid).icalendar_component
    assert event["dtstart"].dt == _local(5, 14)

    session.status = "cancelled"
    session.save()
    assert calendar_sync(connection)
    assert _events(work_calendar) == {}


def test_a_new_private_event_over_a_confirmed_session_is_flagged_not_cancelled(
    clinic, work_calendar, settings
):
    therapist = clinic.therapists[0]
    connection = _connect(therapist, work_calendar)
    session = AppointmentFactory(therapist=therapist, service=clinic.bar_60, start=_local(4, 10))
    work_calendar.save_event(
        dtstart=_local(4, 10, 30), dtend=_local(4, 11), summary="School play", uid="play"
    )
    assert calendar_sync(connection)
    session.refresh_from_db()
    assert session.status == "confirmed"
    alert = Email.objects.get(kind="calendar_clash")
    message = _built(alert)
    assert session.reference in message.body and "Nothing was cancelled" in message.body
    assert "School play" not in message.body
    assert settings.CLINIC_EMAIL in message.to
    assert calendar_sync(connection)  # the same event again: no second alert
    assert Email.objects.filter(kind="calendar_clash").count() == 1


@pytest.mark.parametrize(
    "change, words",
    [
        ({"password": "wrong"}, "refused the user name or app password"),
        ({"url": "missing"}, "no calendar at that address"),
        ({"url": "down"}, "did not answer"),
        ({"url": "ftp://example.com/cal/"}, "https://"),
    ],
)
def test_a_wrong_password_or_address_is_a_clear_error_on_connect(
    client, therapist_user, work_calendar, radicale, change, words
):
    url = str(work_calendar.url)
    if change.get("url") == "missing":
        url = radicale.calendar_url("no-such-calendar")
    elif change.get("url") == "down":
        url = "http://127.0.0.1:9/calendar/"
    elif "url" in change:
        url = change["url"]
    client.force_login(therapist_user)
    response = client.post(
        reverse("therapists:own_calendar"),
        {"url": url, "username": USER, "password": change.get("password", PASSWORD)},
    )
    assert response.status_code == 400
    assert words in response.content.decode()
    assert not CalendarConnection.objects.exists()


def test_connecting_stores_the_password_sealed_and_shows_only_the_own_connection(
    client, clinic, therapist_user, work_calendar
):
    from django.db import connection as db

    client.force_login(therapist_user)
    response = client.post(
        reverse("therapists:own_calendar"),
        {"url": str(work_calendar.url), "username": USER, "password": PASSWORD},
    )
    assert response.status_code == 302
    saved = CalendarConnection.objects.get()
    assert saved.therapist == therapist_user.therapist and saved.password == PASSWORD
    with db.cursor() as cursor:
        cursor.execute("SELECT password FROM therapists_calendarconnection")
        assert PASSWORD not in cursor.fetchone()[0]
    page = client.get(reverse("therapists:own_calendar")).content.decode()
    assert str(work_calendar.url) in page and PASSWORD not in page
    client.force_login(clinic.therapists[1].user)
    assert (
        str(work_calendar.url)
        not in client.get(reverse("therapists:own_calendar")).content.decode()
    )


def test_a_calendar_that_stops_answering_is_retried_and_told_after_a_day(
    clinic, work_calendar, settings
):
    therapist = clinic.therapists[0]
    connection = _connect(therapist, work_calendar)
    work_calendar.save_event(dtstart=_local(3, 11), dtend=_local(3, 12), summary="x", uid="x")
    assert calendar_sync(connection)
    CalendarConnection.objects.update(url="http://127.0.0.1:9/gone/")
    now = timezone.now()
    for hours in (0, 6, 23):
        connection.refresh_from_db()
        assert not calendar_sync(connection, now=now + dt.timedelta(hours=hours))
    connection.refresh_from_db()
    assert connection.failing_since == now and "did not answer" in connection.last_error
    assert connection.next_sync_at == now + dt.timedelta(hours=23, minutes=5)  # retried
    assert ExternalBusy.objects.count() == 1  # the last busy times still count
    assert not Email.objects.filter(kind="calendar_failing").exists()
    for hours in (24, 25):
        connection.refresh_from_db()
        calendar_sync(connection, now=now + dt.timedelta(hours=hours))
    alert = Email.objects.get(kind="calendar_failing")  # told once
    message = _built(alert)
    assert therapist.user.email in message.to and settings.CLINIC_EMAIL in message.to
    CalendarConnection.objects.update(url=str(work_calendar.url))
    connection.refresh_from_db()
    assert calendar_sync(connection, now=now + dt.timedelta(hours=26))
    connection.refresh_from_db()
    assert connection.failing_since is None and connection.alerted_at is None


def test_the_sweep_hands_due_calendars_to_the_worker(clinic, work_calendar, run_after_commit):
    therapist = clinic.therapists[0]
    connection = _connect(therapist, work_calendar)
    work_calendar.save_event(dtstart=_local(3, 11), dtend=_local(3, 12), summary="x", uid="x")
    now = timezone.now()
    assert run_after_commit(calendars_sync_due, now=now) == 1
    assert ExternalBusy.objects.filter(therapist=therapist).count() == 1
    connection.refresh_from_db()
    assert connection.last_synced_at is not None
    assert calendars_sync_due(now=now) == 0  # not due again for a few minutes
