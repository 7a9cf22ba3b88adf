"""The worker's scheduler thread (`db_worker --sweep-every`) really sweeps: a reminder that
falls due while it runs is sent without anyone running `clinic_sweep`. (That it outlives a
database restart is in tests/faults/test_database_restart.py.)"""

import datetime as dt
import threading
import time

import pytest
import time_machine

from ashiatsu_clinic import scheduler
from bookings.models import Reminder
from tests.bookings.clinic import local_time
from tests.bookings.test_worker import book

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def database_tasks(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}


def test_the_scheduler_thread_sends_a_reminder_when_it_falls_due(clinic):
    appointment = book(clinic, clinic.therapists[0], local_time(3, 10)).appointment
    due = Reminder.objects.filter(appointment=appointment, sent_at__isnull=True)
    assert due.exists()
    first_due = min(due.values_list("due_at", flat=True))
    with time_machine.travel(first_due + dt.timedelta(minutes=1), tick=True):
        stop = scheduler.start(0.1)
        try:
            deadline = time.monotonic() + 20
            while not Reminder.objects.filter(
                appointment=appointment, due_at=first_due, sent_at__isnull=False
            ).exists():
                assert time.monotonic() < deadline, "the scheduler never sent the due reminder"
                time.sleep(0.1)
        finally:
            stop.set()
            for thread in threading.enumerate():
                if thread.name == "clinic-sweep":
                    thread.join(timeout=10)
