"""A QuerySet's SQL compiled once per shape, its values filled in on every later call.

The schedule loader (`bookings.schedules`) runs the same occupancy query on nearly every
request with new values (the window, "now", the slot a booking leaves out). Building and
compiling that query through the ORM cost about a tenth of the loader's time under load
(issue #12's profile), although its text changes only with its *shape* (which optional
parts it has). So `compiled` builds the QuerySet once with placeholder values, remembers
where each placeholder landed among the SQL parameters, and afterwards only substitutes.

A template is trusted only after it reproduced, on its first use, exactly the SQL and
parameters the ORM compiles for the real values; otherwise that shape is compiled afresh
every time. So `build` must give SQL that depends on the values' *presence* (part of
`shape`) and not on the values themselves; a builder that breaks this is caught on first
use and merely loses the saving.
"""

import datetime as dt
import threading
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from django.db import connection
from django.db.models import QuerySet

_EPOCH = dt.datetime(1901, 1, 1, tzinfo=dt.UTC)
_CONSTANT = object()  # marks a parameter that is the same on every call

_templates: dict[Hashable, tuple[str, tuple] | None] = {}
_guard = threading.Lock()


def _placeholder(name: str, value: Any, n: int) -> Any:
    """A value of `value`'s type that no real query holds, the n-th of its call."""
    if isinstance(value, dt.datetime):
        return _EPOCH + dt.timedelta(seconds=n + 1)  # 1901: before any clinic opened
    if isinstance(value, int) and not isinstance(value, bool):
        return -(2**62) - n
    if isinstance(value, str):
        return f"\x00placeholder {n} {name}"
    raise TypeError(f"no placeholder for {name}={value!r}: pass datetimes, ints or strings")


def compiled(
    shape: Hashable, build: Callable[[Mapping[str, Any]], QuerySet], values: Mapping[str, Any]
) -> tuple[str, tuple]:
    """(sql, params) of `build(values)`, from this shape's template once it has one."""
    key = (connection.vendor, shape)
    with _guard:
        template = _templates.get(key, _CONSTANT)
    if template is None:  # this shape cannot be templated: compile every time
        return build(values).query.sql_with_params()
    if template is not _CONSTANT:
        sql, slots = template
        return sql, tuple(values[s] if isinstance(s, str) else s[0] for s in slots)
    placeholders = {
        name: _placeholder(name, value, n) for n, (name, value) in enumerate(values.items())
    }
    by_placeholder = {(type(p), p): name for name, p in placeholders.items()}

    def slot(param: Any) -> str | tuple:
        """The name of the value a parameter takes, or (param,) for a fixed one."""
        try:
            return by_placeholder.get((type(param), param), (param,))
        except TypeError:  # unhashable (a list, say): not one of ours
            return (param,)

    sql, params = build(placeholders).query.sql_with_params()
    slots = tuple(slot(p) for p in params)
    real = build(values).query.sql_with_params()
    substituted = (sql, tuple(values[s] if isinstance(s, str) else s[0] for s in slots))
    trusted = substituted == (real[0], tuple(real[1]))
    with _guard:
        _templates[key] = (sql, slots) if trusted else None
    return real[0], tuple(real[1])
