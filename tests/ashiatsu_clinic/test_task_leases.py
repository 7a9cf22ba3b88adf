"""A task row left RUNNING by a worker that died is failed and queued again after its lease;
a task still inside its lease is left alone."""

import datetime as dt

import pytest
from django.tasks import TaskResultStatus
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from ashiatsu_clinic.sweep import clinic_sweep
from ashiatsu_clinic.task_leases import tasks_recover_lapsed

pytestmark = pytest.mark.django_db


def running(started_ago: dt.timedelta, worker="killed-worker") -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=TaskResultStatus.RUNNING,
        started_at=timezone.now() - started_ago,
        args_kwargs={"args": [7], "kwargs": {}},
        task_path="outbox.delivery.deliver_email_task",
        queue_name="mail",
        backend_name="default",
        run_after=None,
        worker_ids=[worker],
    )


def test_a_lapsed_task_is_failed_and_queued_again_once(settings):
    settings.TASKS_LEASE_SECONDS = 600
    lost = running(dt.timedelta(minutes=11))
    alive = running(dt.timedelta(minutes=9), worker="slow-worker")
    assert tasks_recover_lapsed() == 1
    lost.refresh_from_db()
    assert lost.status == TaskResultStatus.FAILED
    assert lost.exception_class_path == "ashiatsu_clinic.task_leases.WorkerLost"
    assert "killed-worker" in lost.traceback and "TASKS_LEASE_SECONDS=600" in lost.traceback
    (again,) = DBTaskResult.objects.filter(status=TaskResultStatus.READY)
    assert (again.task_path, again.queue_name, again.args_kwargs) == (
        lost.task_path, "mail", {"args": [7], "kwargs": {}},
    )  # fmt: skip
    assert str(again.pk) in lost.traceback
    alive.refresh_from_db()
    assert alive.status == TaskResultStatus.RUNNING
    assert tasks_recover_lapsed() == 0  # once


def test_the_sweep_recovers_them(settings):
    settings.TASKS_LEASE_SECONDS = 60
    running(dt.timedelta(minutes=2))
    assert clinic_sweep()["task_leases"] == 1
    assert not DBTaskResult.objects.filter(status=TaskResultStatus.RUNNING).exists()
