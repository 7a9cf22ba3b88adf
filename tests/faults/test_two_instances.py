"""Two machines' worth of the clinic: two gunicorn instances and two workers (each also the
scheduler) on one PostgreSQL, the shared cache in Redis (`CACHE_URL=redis://...`).

What one instance knows, the other must know too: a client address's rate-limit count, a
slot just booked, a day the clinic closed through the admin (each instance keeps the schedule
catalog in its own memory, under a token the database moves), and a task one worker claimed.
"""

import re
import threading
from collections import Counter

from health.screening import clear_answers
from tests.faults.conftest import STAFF_PASSWORD
from tests.faults.processes import (
    TASKS_TABLE,
    browser,
    get,
    manage,
    request,
    wait_until,
)

LIMIT = 10  # manage-link lookups per client address (an hour's window: no reset mid-test)
RACERS = 6  # per slot, half through each instance
SLOTS = 4
SWEEP_TASKS = 24

OVERLAPS = """
    SELECT a.reference, b.reference FROM bookings_appointment a
    JOIN bookings_appointment b ON a.id < b.id
        AND (a.therapist_id = b.therapist_id OR a.room_id = b.room_id)
        AND a.start < b.occupied_until AND b.start < a.occupied_until
    WHERE a.status <> 'cancelled' AND b.status <> 'cancelled'
"""


def _availability(url: str, day: str = "", days: int = 7) -> list[dict]:
    query = f"service=bar-60&therapist=any&days={days}" + (f"&date={day}" if day else "")
    answer = get(f"{url}/api/availability?{query}")
    assert answer.status == 200, answer
    return answer.json()["slots"]


def _book(url: str, slot: dict, n: int):
    return request(
        "POST",
        f"{url}/api/bookings",
        payload={
            "service": "bar-60",
            "therapist": slot["therapist"],
            "start": slot["start"],
            "client": {
                "name": f"Racer {n}",
                "email": f"racer{n}@example.com",
                "phone": "+1 212 555 0142",
            },
            "intake": clear_answers(),
        },
        timeout=30,
    )


def _race(urls: list[str], slot: dict, first: int) -> list[int]:
    """RACERS bookings of one slot released together, alternating between the instances."""
    barrier = threading.Barrier(RACERS)
    statuses: list[int] = []

    def attempt(n: int) -> None:
        barrier.wait(timeout=20)
        statuses.append(_book(urls[n % 2], slot, first + n).status)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(RACERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    return statuses


def _csrf(answer) -> str:
    found = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', answer.body)
    assert found, answer
    return found.group(1).decode()


def _admin_login(url: str, username: str, password: str):
    staff = browser()
    login = get(f"{url}/admin/login/", opener=staff)
    answer = request(
        "POST",
        f"{url}/admin/login/?next=/admin/",
        form={
            "username": username,
            "password": password,
            "csrfmiddlewaretoken": _csrf(login),
            "next": "/admin/",
        },
        opener=staff,
    )
    return staff, answer


def _close_day_through_admin(url: str, day: str) -> None:
    staff, signed_in = _admin_login(url, "faults", STAFF_PASSWORD)
    assert signed_in.status == 302, signed_in
    add = f"{url}/admin/bookings/closedday/add/"
    form = get(add, opener=staff)
    saved = request(
        "POST",
        add,
        form={
            "date": day,
            "reason": "Burst pipe",
            "csrfmiddlewaretoken": _csrf(form),
            "_save": "1",
        },
        opener=staff,
    )
    assert saved.status == 302, saved


def test_two_instances_share_limits_bookings_the_catalog_and_the_queue(
    postgres, database, app_env, launcher
):
    _, redis_url = launcher.redis()
    env = app_env(
        CACHE_URL=redis_url,
        RATELIMIT_ENABLE="true",
        MANAGE_LINK_RATE=f"{LIMIT}/h",
        BOOKING_RATE="1000/m",
    )
    _, a = launcher.gunicorn("web-a", env, workers=2)
    _, b = launcher.gunicorn("web-b", env, workers=2)
    launcher.db_worker("worker-1", env, sweep_every=5)
    launcher.db_worker("worker-2", env, sweep_every=5)
    urls = [a, b]

    # A client address's lookups are counted once, whichever instance answers them.
    statuses = [
        request("POST", f"{urls[n % 2]}/api/bookings/ABC123/cancel", payload={"token": "x"}).status
        for n in range(LIMIT + 4)
    ]
    assert 429 not in statuses[:LIMIT], statuses
    assert statuses[LIMIT:] == [429] * 4, statuses  # refused by both instances

    # Wrong admin passwords are counted across instances too (django-axes, in the database):
    # after five, alternating, both lock the name out.
    tries = [_admin_login(urls[n % 2], "mallory", "wrong")[1].status for n in range(7)]
    assert tries[:4] == [200] * 4, tries  # the form again, with its error
    assert tries[5:] == [429, 429], tries  # locked out, whichever instance is asked

    # Racing both instances for the same slots: one booking each, the rest told "taken".
    slots = _availability(a)
    chosen = [slots[i * 7] for i in range(SLOTS)]
    for i, slot in enumerate(chosen):
        outcome = Counter(_race(urls, slot, first=i * RACERS))
        assert outcome == {201: 1, 409: RACERS - 1}, (slot, outcome)
    assert postgres.query(database, OVERLAPS) == []

    # A day closed through instance A's admin: instance B offers nothing on it any more,
    # though both its gunicorn workers held the catalog in memory.
    day = slots[-1]["start"][:10]
    for _ in range(6):
        assert _availability(b, day, days=1)
    _close_day_through_admin(a, day)
    for _ in range(6):
        assert _availability(b, day, days=1) == []

    # Two workers on one queue: every task claimed by exactly one of them, once.
    manage(
        env,
        "shell",
        "-c",
        "from ashiatsu_clinic.tasks import clinic_sweep_task\n"
        f"for _ in range({SWEEP_TASKS}): clinic_sweep_task.enqueue()",
    )
    pending = f"SELECT count(*) FROM {TASKS_TABLE} WHERE queue_name = 'default' AND status IN ('READY', 'RUNNING')"  # noqa: S608
    wait_until(
        lambda: postgres.query(database, pending) == [(0,)], timeout=60, what="the queue drained"
    )
    rows = postgres.query(
        database,
        f"SELECT status, worker_ids FROM {TASKS_TABLE} WHERE queue_name = 'default'",  # noqa: S608
    )
    assert len(rows) >= SWEEP_TASKS
    assert {status for status, _ in rows} == {"SUCCESSFUL"}
    assert all(len(worker_ids) == 1 for _, worker_ids in rows), rows
    by_worker = Counter(worker_ids[0] for _, worker_ids in rows)
    print(f"\ntasks run per worker: {dict(by_worker)}")
    assert set(by_worker) == {"worker-1", "worker-2"}, by_worker
