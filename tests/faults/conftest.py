"""Fixtures of the fault suite: one PostgreSQL cluster for the session (restarted by some
tests, which is why it is not the suite's own), a fresh copy of the migrated demo clinic for
every test, static files collected once, and a launcher that stops every process a test
started. Every test here is marked `faults` (`make faults` runs only them)."""

import itertools
import os
import subprocess
from pathlib import Path

import pytest

from tests.faults import processes
from tests.faults.mail_fixtures import database_tasks, smtp, workers  # noqa: F401

HERE = Path(__file__).resolve().parent
TEMPLATE = "clinic_template"
STAFF_PASSWORD = "faults-staff-password"  # the superuser the template database holds
_serial = itertools.count(1)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if HERE in Path(item.fspath).resolve().parents:
            item.add_marker(pytest.mark.faults)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"report_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def _collecting_static(tmp_path_factory):
    """collectstatic, started in the background while the database is being prepared."""
    root = tmp_path_factory.mktemp("static")
    env = processes.app_env(
        "postgres://unused@127.0.0.1:1/unused",
        root,
        DJANGO_SETTINGS_MODULE="tests.faults.static_settings",
    )
    job = subprocess.Popen(  # noqa: S603 - our own manage.py
        [processes.PYTHON, "manage.py", "collectstatic", "--noinput", "--verbosity", "0"],
        cwd=processes.ROOT,
        env=env,
    )
    yield root, job
    if job.poll() is None:
        job.kill()


@pytest.fixture(scope="session")
def static_root(_collecting_static, postgres) -> Path:
    """The static files gunicorn serves (the pages name them through the manifest)."""
    root, job = _collecting_static
    assert job.wait(timeout=300) == 0, "collectstatic failed"
    return root


@pytest.fixture(scope="session")
def postgres(tmp_path_factory):
    """The cluster, with the demo clinic migrated and seeded once in a template database."""
    cluster = processes.Postgres()
    try:
        cluster.start()
        cluster.execute(f"CREATE DATABASE {TEMPLATE}")
        env = processes.app_env(cluster.url(TEMPLATE), tmp_path_factory.getbasetemp())
        processes.manage(env, "migrate", "--noinput", "--verbosity", "0")
        processes.manage(
            {**env, "DJANGO_SUPERUSER_PASSWORD": STAFF_PASSWORD},
            "shell",
            "-c",
            "from django.core.management import call_command as run; "
            "run('createcachetable'); run('seed_demo', verbosity=0); "
            "run('createsuperuser', interactive=False, username='faults', "
            "email='faults@example.com', verbosity=0)",
        )
        yield cluster
    finally:
        cluster.remove()


@pytest.fixture
def database(postgres, request) -> str:
    """A fresh copy of the seeded clinic for this test; its name."""
    name = f"t_{os.getpid()}_{next(_serial)}"
    postgres.execute(f"CREATE DATABASE {name} TEMPLATE {TEMPLATE}")
    return name


@pytest.fixture
def launcher(tmp_path, request):
    """Starts the test's processes; stops them all afterwards, and prints their logs' tails
    when the test failed."""
    started = processes.Launcher(tmp_path)
    yield started
    started.stop_all()
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        print(started.tails())


@pytest.fixture
def app_env(static_root, postgres, database):
    """The environment of the test's application processes (production settings), with
    the test's own values on top."""

    def build(**extra: str) -> dict[str, str]:
        return processes.app_env(postgres.url(database), static_root, **extra)

    return build
