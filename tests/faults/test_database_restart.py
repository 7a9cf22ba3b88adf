"""PostgreSQL restarted under light load: requests fail only while it is away, and then
with a 503 that says when to come back; the web servers' persistent connections and the
worker recover by themselves.

`pg_ctl restart` as an operator runs it, fast (clients disconnected) and immediate (a crash:
recovery on start), then stopped (immediate) for two seconds and started again, so that
requests certainly meet the outage and its answers can be checked. "Back" is when pg_ctl says the server accepts
connections; every request started more than RECOVERY_SECONDS after that must succeed.
"""

import time

from tests.faults.processes import enqueue_sweep, get, light_load, wait_for_task

RECOVERY_SECONDS = 3.0
HELD_DOWN_SECONDS = 2.0
AFTER_SECONDS = 4.0  # of load after the server is back
LONGEST_ANSWER_SECONDS = 8.0  # no hang: the connect timeout is 5 s
PATHS = [
    "/api/services",
    "/api/availability?service=bar-60&therapist=any&days=2",
    "/book/",  # an HTML page
]


def _late_failures(hits, back_at):
    """Requests that started more than RECOVERY_SECONDS after the server was back, and failed."""
    return [h for h in hits if h.started > back_at + RECOVERY_SECONDS and h.answer.status != 200]


def _recovered_after(hits, back_at) -> float:
    """Seconds from "back" to the end of the last failed request that started before it
    was over (0 when none failed after it was back)."""
    failed = [h.started + h.answer.seconds for h in hits if h.answer.status != 200]
    return max([0.0, *(end - back_at for end in failed)])


def test_restarts_answer_503_meanwhile_and_everything_recovers_by_itself(
    postgres, database, app_env, launcher
):
    env = app_env()
    _, url = launcher.gunicorn("web", env, workers=2)
    worker = launcher.db_worker("worker", env, sweep_every=5)
    mail = launcher.db_worker("mail", env, queue="mail")
    for _ in range(8):  # every gunicorn worker holds a persistent connection now
        assert get(url + PATHS[1]).status == 200

    phases = []  # (name, started, back): requests started in [started, next start)
    with light_load(url, PATHS) as load:
        time.sleep(1.0)
        for mode in ("fast", "immediate"):
            started = time.monotonic()
            postgres.restart(mode)
            phases.append((f"pg_ctl restart -m {mode}", started, time.monotonic()))
            time.sleep(AFTER_SECONDS)
        started = time.monotonic()
        postgres.stop("immediate")
        time.sleep(HELD_DOWN_SECONDS / 2)
        page, api = get(url + "/book/"), get(url + "/api/services")
        time.sleep(HELD_DOWN_SECONDS / 2)
        postgres.start()
        phases.append(
            (f"stop -m immediate, {HELD_DOWN_SECONDS:.0f} s down", started, time.monotonic())
        )
        time.sleep(AFTER_SECONDS)

    failed = [h for h in load.hits if h.answer.status != 200]
    print(f"\n{len(load.hits)} requests, {len(failed)} failed (all during an outage)")
    ends = [p[1] for p in phases[1:]] + [float("inf")]
    for (name, started, back), end in zip(phases, ends, strict=True):
        hits = [h for h in load.hits if started <= h.started < end]
        print(
            f"  {name}: {sum(h.answer.status != 200 for h in hits)} of {len(hits)} failed; "
            f"the last failure ended {_recovered_after(hits, back):.2f} s after the server "
            f"was back (allowed: {RECOVERY_SECONDS:.0f} s)"
        )
        late = _late_failures(hits, back)
        assert not late, [(h.path, h.answer.status, h.started - back) for h in late[:5]]
    slowest = max(h.answer.seconds for h in load.hits)
    print(f"  slowest answer {slowest:.2f} s")

    # While it was away: the outage page and the API's JSON, both saying when to come back.
    assert page.status == 503 and page.headers.get("Retry-After") == "30", page
    assert b"try again in a minute" in page.body and b"<html" in page.body
    assert api.status == 503 and api.headers.get("Retry-After") == "30", api
    assert api.json()["code"] == "unavailable"
    assert failed, "no request met the outage: the test did not test anything"
    for hit in failed:
        assert hit.answer.status == 503, (hit.path, hit.answer)
        assert hit.answer.headers.get("Retry-After") == "30", (hit.path, hit.answer)
    # Never a hang.
    assert slowest < LONGEST_ANSWER_SECONDS

    # The worker (and the mail worker) carried on by themselves: a task enqueued now runs.
    task_id = enqueue_sweep(env)
    wait_for_task(postgres, database, task_id)
    assert worker.alive() and mail.alive(), "a worker exited instead of reconnecting"
