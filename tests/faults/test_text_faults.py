"""Texts are as durable as e-mail: nothing lost, nothing sent twice, when the SMS server is
down for a minute or the mail worker is killed in the middle of a batch.

Real `manage.py db_worker` processes (the mail queue, and the default queue with the sweep
as production runs it) send through the `twilio` library to the Twilio-compatible server of
tests/texts/twilio_server.py on 127.0.0.1; every text is counted where it arrives, by the
clinic's own text id in its status-callback address.
"""

import os
import time

import pytest
from django.tasks import TaskResultStatus
from django_tasks_db.models import DBTaskResult

from outbox.models import EmailStatus
from tests.faults.mail_fixtures import FAST, Processes, database_url, wait_until
from tests.texts.conftest import ACCOUNT_SID, AUTH_TOKEN, FROM
from tests.texts.twilio_server import TwilioServer
from texts.models import Text
from texts.services import text_queue

pytestmark = [pytest.mark.faults, pytest.mark.django_db(transaction=True)]

OUTAGE_SECONDS = 60


@pytest.fixture
def twilio():
    with TwilioServer(ACCOUNT_SID, AUTH_TOKEN) as server:
        yield server


@pytest.fixture
def text_workers(twilio, database_tasks, settings, tmp_path, request):
    twilio_env = {
        "TWILIO_ACCOUNT_SID": ACCOUNT_SID,
        "TWILIO_AUTH_TOKEN": AUTH_TOKEN,
        "TWILIO_FROM": FROM,
        "TWILIO_API_BASE": twilio.url,
    }
    for name, value in twilio_env.items():
        setattr(settings, name, value)
    settings.TEXTS_ENABLED = True
    env = {
        **os.environ,
        **FAST,
        **twilio_env,
        "DATABASE_URL": database_url(),
        "EMAIL_URL": "memorymail://",
        "TASKS_BACKEND": "django_tasks_db.DatabaseBackend",
        "CONN_MAX_AGE": "0",
        "PYTHONFAULTHANDLER": "1",
    }
    running = Processes(env, tmp_path)
    yield running
    running.stop_all()
    report = getattr(request.node, "report_call", None)
    if report is None or report.failed:
        for log in sorted(tmp_path.glob("*.log")):
            print(f"--- {log.name} (last 3000 characters) ---\n{log.read_text()[-3000:]}")


def queue_texts(count: int) -> list[Text]:
    return [
        text_queue(kind="desk", number=f"+1212555{n:04d}", params={"note": f"Note {n}"})
        for n in range(count)
    ]


def all_sent(texts):
    def check():
        """every text sent"""
        rows = Text.objects.filter(pk__in=[t.pk for t in texts])
        return rows.filter(email__status=EmailStatus.SENT).count() == len(texts)

    return check


def assert_each_arrived_once(twilio, texts) -> None:
    arrived = twilio.sent_once()
    expected = {f"?t={t.pk}" for t in texts}
    got = {url[url.index("?t=") :] for url in arrived}
    assert got == expected, "lost or foreign texts"
    doubled = {url: n for url, n in arrived.items() if n > 1}
    assert not doubled, f"sent more than once: {doubled}"
    assert all(Text.objects.get(pk=t.pk).sid for t in texts)


def test_texts_queued_while_the_sms_server_is_down_arrive_once_when_it_is_back(
    twilio, text_workers
):
    twilio.down()
    text_workers.sweep()
    text_workers.worker("mail-1", "mail")
    text_workers.worker("mail-2", "mail")
    texts = queue_texts(12)
    outage_began = time.monotonic()

    def retrying():
        """every text failed at least twice"""
        rows = Text.objects.filter(pk__in=[t.pk for t in texts], email__attempts__gte=2)
        return rows.count() == len(texts)

    wait_until(retrying, timeout=OUTAGE_SECONDS + 30)
    time.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - outage_began)))
    assert not twilio.messages
    statuses = set(Text.objects.values_list("email__status", flat=True))
    assert statuses <= {EmailStatus.PENDING, EmailStatus.SENDING}
    twilio.up()
    back = time.monotonic()
    wait_until(all_sent(texts), timeout=30)
    print(f"\nall 12 texts sent {time.monotonic() - back:.1f} s after the server came back")
    time.sleep(2)  # a late duplicate would arrive now
    assert_each_arrived_once(twilio, texts)


def test_a_worker_killed_mid_batch_loses_nothing_and_doubles_nothing(twilio, text_workers):
    texts = queue_texts(40)
    for name, after in (("mail-1", 8), ("mail-2", 20)):
        text_workers.worker(name, "mail")
        wait_until(lambda after=after: len(twilio.messages) >= after, timeout=30)
        twilio.stall_next()
        wait_until(twilio.stalled.is_set, timeout=10)
        text_workers.kill(name)  # mid-request: Twilio has not accepted that text
        twilio.release.set()
    text_workers.worker("mail-3", "mail")
    text_workers.sweep()

    def done():
        """all 40 sent and no task row left RUNNING"""
        running = DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
        return all_sent(texts)() and not running

    wait_until(done, timeout=60)
    time.sleep(2)
    assert_each_arrived_once(twilio, texts)
    lost = DBTaskResult.objects.filter(exception_class_path__endswith="WorkerLost")
    assert {tuple(row.worker_ids) for row in lost} == {("mail-1",), ("mail-2",)}
