"""Nothing lost, nothing doubled, nothing held up when the mail server or a worker fails.

Real processes throughout: `manage.py db_worker` per queue (and the scheduler thread where the
production setup runs it) against the test database, a real SMTP server on 127.0.0.1
(tests/faults/smtp_server.py), and mail counted by Message-ID where it arrives.

The mail server stays down for a real minute. Retry times are scaled down through the
environment (tests/faults/mail_fixtures.py `FAST`: 1 s doubling to 4 s instead of 60 s to
2 h), so the minute spans many retries and recovery is seen within seconds.
"""

import time

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from bookings.services import ClientDetails, booking_create
from health.screening import clear_answers
from outbox.delivery import message_id
from outbox.models import Email, EmailStatus
from outbox.services import email_queue
from payments.tasks import deposit_settle_task
from tests.bookings.clinic import local_time
from tests.faults.mail_fixtures import wait_until
from tests.faults.mails import note

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 60


def book_eight(clinic) -> list:
    """8 bookings: 16 e-mails (the client's confirmation and the therapist's copy)."""
    return [
        booking_create(
            service=clinic.bar_60,
            therapist=therapist,
            start=local_time(day, hour),
            client=ClientDetails(
                name="Ada Client", email=f"c{i}-{day}-{hour}@example.com", phone="+1 212 555 0199"
            ),
            answers=clear_answers(),
        ).appointment
        for i, therapist in enumerate(clinic.therapists[:2])
        for day in (3, 4)
        for hour in (10, 14)
    ]


def all_sent(count: int, among=None):
    def check():
        """every e-mail sent"""
        emails = Email.objects.all() if among is None else among
        return emails.filter(status=EmailStatus.SENT).count() == count

    return check


def assert_each_delivered_once(smtp, emails, others=()) -> None:
    """Each of `emails` arrived exactly once, and nothing else did but those of `others`
    (the scheduler's own mail) that were sent."""
    arrived = smtp.message_ids()
    expected = [message_id(e) for e in emails]
    expected += [message_id(e) for e in others if e.status == EmailStatus.SENT]
    assert sorted(arrived) == sorted(expected), "lost or foreign mail"
    doubled = {mid: n for mid, n in arrived.items() if n > 1}
    assert not doubled, f"delivered more than once: {doubled}"


def test_mail_queued_while_the_mail_server_is_down_arrives_once_when_it_is_back(
    clinic, smtp, workers
):
    """The processes `make serve` runs (the default queue's worker with the scheduler, and a
    mail worker; here two, to show they never send one e-mail twice): each failed try
    schedules its own retry, nothing is given up during a minute's outage."""
    smtp.down()
    workers.sweep()
    workers.worker("mail-1", "mail")
    workers.worker("mail-2", "mail")
    book_eight(clinic)
    emails = list(Email.objects.all())
    assert len(emails) == 16
    outage_began = time.monotonic()

    def retrying():
        """every e-mail failed at least twice"""
        return Email.objects.filter(attempts__gte=2).count() == 16

    wait_until(retrying, timeout=OUTAGE_SECONDS + 30)  # (+ the worker's start on a busy box)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_began)))
    assert not smtp.received()
    booked = Email.objects.filter(pk__in=[e.pk for e in emails])  # not the scheduler's digest
    assert not booked.exclude(status__in=[EmailStatus.PENDING, EmailStatus.SENDING]).exists()
    smtp.up()
    back = time.monotonic()
    wait_until(all_sent(16, among=booked), timeout=30)
    print(f"\nall 16 delivered {time.monotonic() - back:.1f} s after the server came back")
    time.sleep(2)  # a late duplicate would arrive now
    assert_each_delivered_once(smtp, emails, others=Email.objects.exclude(pk__in=booked))
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()


def test_a_hanging_mail_server_does_not_hold_up_refunds(clinic, smtp, workers):
    """The mail worker is stuck in SMTP timeouts; the default queue's worker is not."""
    smtp.hang()
    workers.worker("mail", "mail")
    workers.worker("default", "default")
    appointments = book_eight(clinic)

    def stuck():
        """the mail worker is inside a hanging SMTP conversation"""
        return Email.objects.filter(status=EmailStatus.SENDING).exists()

    wait_until(stuck, timeout=20)
    latencies = []
    for appointment in appointments[:4]:
        queued = time.monotonic()
        result = deposit_settle_task.enqueue(appointment.pk, False)

        def settled(pk=result.id):
            """the deposit settlement ran"""
            return DBTaskResult.objects.filter(pk=pk, status=TaskResultStatus.SUCCESSFUL).exists()

        wait_until(settled, timeout=15, every=0.05)
        latencies.append(time.monotonic() - queued)
    assert smtp.received() == 0  # the mail server hung all along
    latencies.sort()
    print(f"\ndeposit settlement latency behind a hanging mail server: {latencies} s")
    assert max(latencies) < 5, latencies

    smtp.resume()
    wait_until(all_sent(16), timeout=60)
    time.sleep(2)
    assert_each_delivered_once(smtp, Email.objects.all())


def test_workers_killed_mid_send_twice_lose_nothing_and_double_nothing(smtp, workers):
    """50 e-mails; the mail worker is SIGKILLed twice while an SMTP conversation is open.
    The dead workers' e-mails and task rows are recovered (claims and leases lapse; the
    sweep, as in production, fails and re-queues the lost task rows)."""
    emails = [email_queue(kind="fault_note", builder=note, params={"n": n}) for n in range(50)]
    for name, after in (("mail-1", 10), ("mail-2", 30)):
        workers.worker(name, "mail")
        wait_until(lambda after=after: smtp.received() >= after, timeout=30)
        smtp.stall_next_rcpt()
        wait_until(smtp.stalled.is_set, timeout=10)
        workers.kill(name)  # mid-conversation: the server has not accepted that message
    workers.worker("mail-3", "mail")
    workers.sweep()

    def done():
        """all 50 sent and no task row left RUNNING"""
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
        return all_sent(50)() and not running

    wait_until(done, timeout=45)
    time.sleep(2)
    assert_each_delivered_once(smtp, emails)
    lost = DBTaskResult.objects.filter(exception_class_path__endswith="WorkerLost")
    assert lost.count() == 2, list(lost.values_list("traceback", flat=True))
    assert {tuple(row.worker_ids) for row in lost} == {("mail-1",), ("mail-2",)}
