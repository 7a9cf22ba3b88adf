"""The background worker for real: the database task backend, `db_worker`'s own worker code
and the periodic sweep, against PostgreSQL with committed transactions and real threads."""

import datetime as dt
import logging
import threading

import pytest
import time_machine
from django.core import mail
from django.core.management import call_command
from django.db import connection
from django.utils import timezone
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from ashiatsu_clinic.sweep import clinic_sweep
from bookings import notifications
from bookings.booking_changes import booking_cancel
from bookings.models import Appointment, AppointmentStatus, Reminder
from bookings.reminders import SENT, reminders_send_due
from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from outbox.models import Email, EmailStatus
from tests.bookings.clinic import local_time
from tests.outbox.backends import BROKEN, LOCMEM, SLOW

pytestmark = pytest.mark.django_db(transaction=True)

DAY = dt.timedelta(hours=24)


@pytest.fixture(autouse=True)
def database_tasks(settings):
    """Tasks go to the database and wait for a worker, as in production."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }


def book(clinic, therapist, start, email="ada@example.com"):
    return booking_create(
        service=clinic.bar_60,
        therapist=therapist,
        start=start,
        client=ClientDetails(name="Ada Client", email=email, phone="+1 212 555 0199"),
        answers=clear_answers(),
    )


def run_worker(worker_id: str) -> None:
    """`manage.py db_worker --batch --queue-name default,mail`'s worker loop (without its
    signal handlers, which only the main thread may install)."""
    Worker(
        queue_names=["default", "mail"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=worker_id,
        excluded_queue_names=[],
    ).run()


def at_once(*jobs) -> None:
    """Run the jobs in threads, each with its own database connection, released together."""
    barrier = threading.Barrier(len(jobs))
    errors: list[BaseException] = []

    def run(job):
        try:
            barrier.wait(timeout=10)
            job()
        except BaseException as error:
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(job,)) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors


def reminders_sent():
    return [m for m in mail.outbox if m.subject.startswith("Reminder")]


def test_two_workers_sweeping_at_once_send_each_reminder_once(clinic, settings):
    booked = [
        book(clinic, therapist, local_time(3, hour), email=f"client{i}-{hour}@example.com")
        for i, therapist in enumerate(clinic.therapists)
        for hour in (10, 12, 14)
    ]
    run_worker("confirmations")
    mail.outbox.clear()
    settings.MAILERS = SLOW  # each send takes a moment, so the two sweeps really overlap
    due = local_time(3, 14) - DAY

    def sweep():
        while reminders_send_due(now=due, limit=1):  # claim one at a time, interleaving
            pass
        clinic_sweep(now=due)

    at_once(sweep, sweep)
    at_once(lambda: run_worker("one"), lambda: run_worker("two"))

    assert sorted(m.to[0] for m in reminders_sent()) == sorted(
        result.appointment.client.email for result in booked
    )
    assert {r.outcome for r in Reminder.objects.all()} == {SENT}
    assert Email.objects.filter(kind=notifications.REMINDER, status=EmailStatus.SENT).count() == 6
    assert not DBTaskResult.objects.exclude(status="SUCCESSFUL").exists()


def test_a_cancelled_appointment_gets_no_reminder(clinic):
    kept = book(clinic, clinic.therapists[0], local_time(3, 10), "kept@example.com").appointment
    gone = book(clinic, clinic.therapists[1], local_time(3, 10), "gone@example.com").appointment
    booking_cancel(appointment=gone)
    run_worker("w")
    mail.outbox.clear()
    clinic_sweep(now=kept.start - DAY)
    run_worker("w")
    assert [m.to for m in reminders_sent()] == [["kept@example.com"]]


def test_an_e_mail_failure_is_retried_and_logged_and_never_rolls_back_the_booking(
    clinic, settings, caplog
):
    settings.MAILERS = BROKEN
    result = book(clinic, clinic.therapists[0], local_time(3, 10))
    assert DBTaskResult.objects.count() == 2  # client and therapist e-mails, after commit

    with caplog.at_level(logging.WARNING, logger="outbox.services"):
        call_command(
            "db_worker", "--batch", "--no-startup-delay", "--no-reload", "--queue-name", "mail",
            verbosity=0,
        )  # fmt: skip

    appointment = Appointment.objects.get()
    assert appointment.status == AppointmentStatus.CONFIRMED  # the booking stands
    assert mail.outbox == []
    failed = Email.objects.filter(status=EmailStatus.PENDING, attempts=1)
    assert failed.count() == 2
    assert all("mail server down" in e.last_error for e in failed)
    assert caplog.text.count("failed (attempt 1)") == 2

    # Each failure scheduled its own retry, for when its backoff is over: no sweep needed.
    retries = DBTaskResult.objects.filter(queue_name="mail", status="READY")
    assert retries.count() == 2
    assert all(r.run_after > timezone.now() for r in retries)
    settings.MAILERS = LOCMEM  # the mail server is back
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=True):
        run_worker("after-the-outage")
    (confirmation,) = [m for m in mail.outbox if m.to == ["ada@example.com"]]
    assert notifications.manage_url(appointment, result.manage_token) in confirmation.body
    assert len(mail.outbox) == 2
    booking_emails = Email.objects.exclude(kind="manager_digest")  # the sweep may add it
    assert set(booking_emails.values_list("status", "secret")) == {(EmailStatus.SENT, "")}


def test_e_mails_whose_task_was_lost_are_handed_to_the_worker_again(clinic):
    """Each e-mail is also on record in the outbox: a lost task does not lose the e-mail."""
    book(clinic, clinic.therapists[0], local_time(3, 10))
    DBTaskResult.objects.all().delete()
    booking_emails = set(Email.objects.values_list("pk", flat=True))
    clinic_sweep()
    assert len(booking_emails) == 2 and not handed_over(booking_emails)  # their task may yet come
    with time_machine.travel(timezone.now() + dt.timedelta(minutes=2), tick=True):
        clinic_sweep()
        assert handed_over(booking_emails) == booking_emails
        clinic_sweep()
        assert handed_over(booking_emails) == booking_emails  # once, not on every pass
        assert DBTaskResult.objects.filter(queue_name="mail").count() <= 3  # (+ a digest)
        run_worker("w")
    assert {m.to[0] for m in mail.outbox} >= {"ada@example.com"}
    assert Email.objects.filter(pk__in=booking_emails, status=EmailStatus.SENT).count() == 2


def handed_over(pks) -> set[int]:
    tasks = DBTaskResult.objects.filter(queue_name="mail", status="READY")
    return {t.args_kwargs["args"][0] for t in tasks} & set(pks)


def test_immediate_tasks_with_a_broken_mail_server_still_book(clinic, settings):
    settings.TASKS = {
        "default": {
            "BACKEND": "django.tasks.backends.immediate.ImmediateBackend",
            "QUEUES": ["default", "mail"],
        }
    }
    settings.MAILERS = BROKEN
    result = book(clinic, clinic.therapists[0], local_time(3, 10))
    assert Appointment.objects.get() == result.appointment
    assert Email.objects.filter(status=EmailStatus.PENDING, attempts=1).count() == 2


def test_the_sweep_command_runs_once(clinic, capsys):
    call_command("clinic_sweep")
    assert "reminders: 0" in capsys.readouterr().out
