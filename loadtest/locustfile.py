"""The people the load test simulates: browsers, slot pickers and bookers who race.

`loadtest.run` drives this headless against a gunicorn it starts itself; it also works on
its own against a server you run (a throwaway database: it books real appointments):

    PYTHONPATH=. .venv/bin/locust -f loadtest/locustfile.py --headless -u 50 -r 10 -t 40s \
        --host http://127.0.0.1:8000

Every request is named "<kind> <what>", kind being browse, availability, booking or cancel,
so the report can group latencies and status codes by kind.

The race: bookers share a list of "hot" slots, a new wave of HOT_SLOTS_PER_WAVE every
WAVE_SECONDS, and most booking attempts go for one of the current wave's slots, some naming
the slot's therapist and some asking for any therapist at that time. So dozens of requests
ask for the same therapist, or the last free room, at the same moment: exactly one may win
each therapist and each room, the rest must get 409. The others book a random free slot
from a fresh availability answer (a 409 there means someone was quicker, which is fine).
"""

import datetime as dt
import itertools
import json
import random
import time
import urllib.request
from dataclasses import dataclass, field
from urllib.parse import urlencode, urlsplit

from locust import FastHttpUser, between, events, task

from health.screening import clear_answers

HOT_SLOTS_PER_WAVE = 10
WAVE_SECONDS = 5.0
WAVES = 40  # more than any sensible run needs; waves repeat (all taken) after that
PLAN_DAYS = 14
HOT_SERVICE = "bar-60"
THINK_SECONDS = (0.5, 1.5)
EXPECTED = {
    "browse": {200},
    "availability": {200},
    "booking": {201, 409},
    "cancel": {200, 409},
}

rng = random.Random()  # noqa: S311 - shapes the load, guards nothing
serial = itertools.count(1)


@dataclass
class Plan:
    """What the simulated people know about the clinic, read once from its API."""

    services: list[str] = field(default_factory=list)
    therapists_by_style: dict[str, list[str]] = field(default_factory=dict)
    style_of: dict[str, str] = field(default_factory=dict)
    hot_waves: list[list[dict]] = field(default_factory=list)
    started: float = 0.0
    today: dt.date = field(default_factory=dt.date.today)

    def hot_slots(self) -> list[dict]:
        wave = int((time.monotonic() - self.started) / WAVE_SECONDS)
        return self.hot_waves[wave % len(self.hot_waves)]


plan = Plan()


def _get_json(host: str, path: str) -> object:
    with urllib.request.urlopen(host.rstrip("/") + path, timeout=30) as answer:  # noqa: S310 - our own server
        return json.load(answer)


def load_plan(host: str) -> Plan:
    """Services, therapists and the hot slots, from the API as any client would see them."""
    if urlsplit(host).hostname not in {"127.0.0.1", "localhost", "::1"}:
        raise SystemExit(f"loadtest: refusing to load a server off this machine ({host})")
    services = _get_json(host, "/api/services")
    therapists = _get_json(host, "/api/therapists")
    fresh = Plan(
        services=[s["slug"] for s in services],
        style_of={s["slug"]: s["style"] for s in services},
    )
    for therapist in therapists:
        for style in therapist["styles"]:
            fresh.therapists_by_style.setdefault(style, []).append(therapist["slug"])
    if HOT_SERVICE not in fresh.style_of:
        raise SystemExit(f"loadtest: the clinic offers no {HOT_SERVICE!r}; seed the demo data")
    query = urlencode({"service": HOT_SERVICE, "days": PLAN_DAYS, "therapist": "any"})
    slots = _get_json(host, f"/api/availability?{query}")["slots"]
    needed = HOT_SLOTS_PER_WAVE * WAVES
    if len(slots) < HOT_SLOTS_PER_WAVE:
        raise SystemExit(f"loadtest: only {len(slots)} free {HOT_SERVICE} slots; need more")
    chosen = rng.sample(slots, min(needed, len(slots)))
    fresh.hot_waves = [
        chosen[i : i + HOT_SLOTS_PER_WAVE] for i in range(0, len(chosen), HOT_SLOTS_PER_WAVE)
    ]
    fresh.today = dt.date.fromisoformat(slots[0]["start"][:10])
    return fresh


@events.test_start.add_listener
def _on_test_start(environment, **_kwargs) -> None:
    global plan
    plan = load_plan(environment.host)
    plan.started = time.monotonic()


def _client(n: int) -> dict[str, str]:
    return {
        "name": f"Load Tester {n}",
        "email": f"loadtest{n}@example.com",
        "phone": "+1 212 555 0142",
    }


class ClinicVisitor(FastHttpUser):
    """One person on the clinic's site: reads pages, looks at free times, books, cancels."""

    wait_time = between(*THINK_SECONDS)

    def on_start(self) -> None:
        self.bookings: list[tuple[str, str]] = []  # (reference, manage token) of own bookings

    def _call(self, kind: str, what: str, method: str, path: str, **kwargs):
        """One request, counted as a success when its status is expected for its kind."""
        with self.client.request(
            method, path, name=f"{kind} {what}", catch_response=True, **kwargs
        ) as response:
            if response.status_code in EXPECTED[kind]:
                response.success()
            else:
                response.failure(f"unexpected {response.status_code}")
            return response

    # --- browsing: the public pages --------------------------------------------------------

    @task(4)
    def browse(self) -> None:
        page = rng.choice(["/", "/book/", "/therapists/", f"/book/{HOT_SERVICE}/any/"])
        self._call("browse", page, "GET", page)

    @task(1)
    def browse_slot_page_of_a_day(self) -> None:
        day = plan.today + dt.timedelta(days=rng.randrange(PLAN_DAYS))
        self._call(
            "browse",
            "/book/<service>/<therapist>/?date=",
            "GET",
            f"/book/{HOT_SERVICE}/any/?date={day.isoformat()}",
        )

    # --- the slot picker's API -------------------------------------------------------------

    def _availability(self, service: str, therapist: str, day: dt.date, days: int):
        query = urlencode(
            {"service": service, "date": day.isoformat(), "days": days, "therapist": therapist}
        )
        what = "any" if therapist == "any" else "named"
        return self._call(
            "availability", f"/api/availability ({what})", "GET", f"/api/availability?{query}"
        )

    @task(3)
    def look_at_free_times(self) -> None:
        service = rng.choice(plan.services)
        named = plan.therapists_by_style.get(plan.style_of[service], [])
        therapist = rng.choice(named) if named and rng.random() < 0.5 else "any"
        day = plan.today + dt.timedelta(days=rng.randrange(PLAN_DAYS))
        self._availability(service, therapist, day, rng.choice([1, 7, 14]))

    # --- booking ---------------------------------------------------------------------------

    def _book(self, what: str, service: str, therapist: str, start: str) -> None:
        n = next(serial)
        response = self._call(
            "booking",
            f"/api/bookings ({what})",
            "POST",
            "/api/bookings",
            json={
                "service": service,
                "therapist": therapist,
                "start": start,
                "client": _client(n),
                "intake": clear_answers(),
            },
        )
        if response.status_code == 201:
            answer = response.json()
            token = answer["manage_url"].rstrip("/").rsplit("/", 1)[-1]
            self.bookings.append((answer["reference"], token))

    @task(3)
    def race_for_a_hot_slot(self) -> None:
        """Everybody wants the same few times: most name the therapist, some take anyone."""
        slot = rng.choice(plan.hot_slots())
        anyone = rng.random() < 0.3
        therapist = "any" if anyone else slot["therapist"]
        self._book("hot, any" if anyone else "hot, named", HOT_SERVICE, therapist, slot["start"])

    @task(1)
    def book_a_free_slot(self) -> None:
        """The ordinary flow: ask for free times, pick one, book it."""
        service = rng.choice(plan.services)
        day = plan.today + dt.timedelta(days=rng.randrange(1, PLAN_DAYS))
        response = self._availability(service, "any", day, 7)
        if response.status_code != 200:
            return
        slots = response.json()["slots"]
        if slots:
            slot = rng.choice(slots)
            self._book("fresh", service, slot["therapist"], slot["start"])

    @task(1)
    def cancel_own_booking(self) -> None:
        """Some people change their mind; the freed time must be bookable again."""
        if not self.bookings or rng.random() < 0.5:
            return
        reference, token = self.bookings.pop(rng.randrange(len(self.bookings)))
        self._call(
            "cancel",
            "/api/bookings/<ref>/cancel",
            "POST",
            f"/api/bookings/{reference}/cancel",
            json={"token": token},
        )
