"""Fixtures of the mail fault tests: real `db_worker` processes against the test database,
a real SMTP server, and faults made to them (stopped, hung, SIGKILLed).

The processes run with production settings (DEBUG off, the database task backend, SMTP)
and short retry times from the environment, so an outage of seconds stands for one of
minutes: what is tested is that the retry schedule outlasts the outage, not its length.
"""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import pytest
from django.db import connection

from tests.faults.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parents[2]

# Seconds, scaled down from the production defaults (60 s doubling to 2 h, 12 tries).
FAST = {
    "EMAIL_TIMEOUT": "2",
    "OUTBOX_RETRY_BASE_SECONDS": "1",
    "OUTBOX_RETRY_MAX_SECONDS": "4",
    "OUTBOX_MAX_ATTEMPTS": "40",
    "OUTBOX_CLAIM_SECONDS": "4",
    "OUTBOX_STRANDED_SECONDS": "2",
    "TASKS_LEASE_SECONDS": "4",
}


def database_url() -> str:
    db = connection.settings_dict
    user = quote(db["USER"] or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db["PASSWORD"] else ""
    return f"postgres://{user}{password}@{db['HOST'] or '127.0.0.1'}:{db['PORT']}/{db['NAME']}"


def wait_until(check: Callable[[], object], *, timeout: float, every: float = 0.1):
    """Poll `check` until it returns something true; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        result = check()
        if result:
            return result
        if time.monotonic() > deadline:
            pytest.fail(f"still not true after {timeout} s: {check.__doc__ or check}")
        time.sleep(every)


class Processes:
    """The clinic's background processes, started with the test's environment."""

    def __init__(self, env: dict[str, str], logs: Path):
        self.env = env
        self.logs = logs
        self.running: dict[str, subprocess.Popen] = {}

    def start(self, name: str, *args: str) -> subprocess.Popen:
        log = (self.logs / f"{name}.log").open("ab")
        process = subprocess.Popen(
            [sys.executable, "manage.py", *args],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        self.running[name] = process
        return process

    def worker(self, name: str, queue: str) -> subprocess.Popen:
        return self.start(
            name, "db_worker", "--queue-name", queue, "--interval", "0.2",
            "--no-reload", "--no-startup-delay", "--worker-id", name,
        )  # fmt: skip

    def sweep(self, name: str = "sweep", every: float = 1) -> subprocess.Popen:
        """The default-queue worker with the scheduler thread, as production runs it."""
        return self.start(
            name, "db_worker", "--queue-name", "default", "--interval", "0.2",
            "--no-reload", "--no-startup-delay", "--worker-id", name,
            "--sweep-every", str(every),
        )  # fmt: skip

    def kill(self, name: str) -> None:
        process = self.running.pop(name)
        process.send_signal(signal.SIGKILL)
        process.wait(timeout=10)

    def stop_all(self) -> None:
        for process in self.running.values():
            process.terminate()
        for process in self.running.values():
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        self.running.clear()

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def smtp():
    with SmtpServer() as server:
        yield server


@pytest.fixture
def database_tasks(settings):
    """This process queues tasks in the database, for the worker processes."""
    settings.TASKS = {
        "default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default", "mail"]}
    }


@pytest.fixture
def workers(smtp, database_tasks, tmp_path, request):
    """The worker processes of a mail fault test, stopped (and their logs shown on failure) after it."""
    if connection.vendor != "postgresql":
        pytest.skip("the worker processes need a database server they can share")
    env = {
        **os.environ,
        **FAST,
        "DATABASE_URL": database_url(),
        "EMAIL_URL": f"smtp://127.0.0.1:{smtp.port}",
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
