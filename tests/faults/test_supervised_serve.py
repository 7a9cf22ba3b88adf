"""`scripts/serve.sh` (what `make serve` runs) keeps its processes alive: a worker killed
with SIGKILL (the OOM killer, a crash in C) is started again within seconds and works, the
others never notice, and SIGTERM still stops everything."""

import os
import signal
import time

from tests.faults.processes import (
    PYTHON,
    ROOT,
    children,
    enqueue_sweep,
    free_port,
    wait_for_task,
    wait_until,
)

BACK_WITHIN_SECONDS = 5.0


def _programs(serve_pid: int) -> dict[str, int]:
    named = {}
    for pid, command in children(serve_pid):
        if "gunicorn" in command:
            named["web"] = pid
        elif "db_worker --queue-name default" in command:
            named["worker"] = pid
        elif "db_worker --queue-name mail" in command:
            named["mail"] = pid
    return named


def test_serve_starts_a_killed_worker_again(postgres, database, app_env, launcher):
    port = free_port()
    env = app_env(
        BIND=f"127.0.0.1:{port}",
        SERVE_PREPARE="false",  # the template database is migrated, static files collected
        WEB_CONCURRENCY="1",
        SWEEP_SECONDS="5",
        STOP_SECONDS="5",  # idle sync workers sit out gunicorn's whole graceful timeout
        PYTHON=PYTHON,
    )
    serve = launcher.start("serve", ["bash", str(ROOT / "scripts" / "serve.sh")], env)
    launcher.wait_answering(serve, f"http://127.0.0.1:{port}")
    before = wait_until(
        lambda: len(found := _programs(serve.pid)) == 3 and found, timeout=30, what="3 programs"
    )

    os.kill(before["worker"], signal.SIGKILL)
    killed_at = time.monotonic()
    after = wait_until(
        lambda: (
            (found := _programs(serve.pid)).get("worker") not in (None, before["worker"]) and found
        ),
        timeout=BACK_WITHIN_SECONDS * 3,
        every=0.05,
        what="a new worker",
    )
    back_after = time.monotonic() - killed_at
    print(f"\nworker SIGKILLed: a new one started after {back_after:.2f} s")
    assert back_after < BACK_WITHIN_SECONDS
    assert after["web"] == before["web"] and after["mail"] == before["mail"]

    task_id = enqueue_sweep(env)
    wait_for_task(postgres, database, task_id)

    serve.signal(signal.SIGTERM)
    assert serve.popen.wait(timeout=40) == 0, serve.tail()
    assert not children(serve.pid)
