"""Availability answers from the shared cache, keyed by the schedule version.

Computing free times is the most expensive thing a visitor asks for, and the same question
("bar, 60 minutes, any therapist, the next fortnight") is asked again and again while the
calendar does not change. So an answer is cached under the current `ScheduleVersion` token,
which database triggers replace in the same transaction as every change availability
depends on (bookings, cancellations, moves, waitlist holds, working hours, time off,
credentials, rooms, services, closed days; see `bookings.models.ScheduleVersion`). A
changed calendar means a new token and so new keys: a cached answer is never older than
the calendar it was read with. The token is read *before* the calendar, so an answer stored
under a token is at least as new as that token.

Time matters too: which starts are offered depends on "now" (minimum notice, horizon). Slot
starts, the notice and the horizon are whole minutes, so every moment inside one minute
gives the same answer as `moment()` of it, and the key holds that moment.

Answers live in each process's memory (settings.CACHES["availability"]): a key holds the
version it was computed under, so no process can serve a stale answer, and a miss (most
questions on a busy day, when every booking moves the version) costs no round trip to a
shared cache. The slowly changing half of a computation is kept apart, under a token
bookings do not move (`bookings.schedule_catalog`).
"""

import datetime as dt
import hashlib
from collections.abc import Callable
from contextvars import ContextVar

from django.conf import settings
from django.core.cache import caches
from django.db import connection

from bookings.models import ScheduleVersion

_MINUTE = dt.timedelta(minutes=1)
_MICROSECOND = dt.timedelta(microseconds=1)


def schedule_version() -> str | None:
    """The current token; None before anything was ever written (then nothing is cached)."""
    return _versions()[0]


_VERSIONS_SQL = f"SELECT token, config_token FROM {ScheduleVersion._meta.db_table} WHERE id = 1"  # noqa: S608 - a table name


def _versions() -> tuple[str | None, str | None]:
    """Both tokens in one query: the schedule's and the catalog's (`config_token`). Plain
    SQL: it runs on nearly every request, and building the ORM query cost more than the
    query itself."""
    with connection.cursor() as cursor:
        cursor.execute(_VERSIONS_SQL)
        row = cursor.fetchone()
    return (row[0], row[1]) if row is not None else (None, None)


def config_token() -> str | None:
    """The catalog's token (`bookings.schedule_catalog`), read the same way."""
    return _versions()[1]


# The catalog's token read with the schedule's for the computation under way, so the
# catalog (`bookings.schedule_catalog`) need not read it again; unset outside `cached`.
config_token_read: ContextVar[str | None] = ContextVar("config_token_read", default=None)


def moment(now: dt.datetime) -> dt.datetime:
    """The representative of `now`'s minute that offers exactly the starts `now` offers.

    A start S (whole minutes) is offered when now + notice <= S <= now + horizon. Between
    two whole minutes m < now < m + 1 min that is m + 1 min + notice <= S <= m + horizon,
    the same as for m + 1 microsecond; a whole minute is its own representative.
    """
    floor = now.replace(second=0, microsecond=0)
    return now if floor == now else floor + _MICROSECOND


def cached[T](kind: str, parts: tuple, compute: Callable[[], T]) -> T:
    """`compute()`, or its answer stored under the current schedule version and `parts`
    (which must hold everything else the answer depends on, `moment(now)` included)."""
    if not settings.AVAILABILITY_CACHE_SECONDS:
        return compute()
    token, config = _versions()  # before computing: see the module docstring
    if token is None:
        return compute()
    digest = hashlib.sha256(repr((kind, token, parts)).encode()).hexdigest()
    key = f"availability:{digest}"
    store = caches["availability"]
    answer = store.get(key)
    if answer is None:
        reset = config_token_read.set(config)
        try:
            answer = compute()
        finally:
            config_token_read.reset(reset)
        store.set(key, answer, settings.AVAILABILITY_CACHE_SECONDS)
    return answer
