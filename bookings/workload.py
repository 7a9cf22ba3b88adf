"""The weekly load budget: how much walk-on-back work a therapist may be booked for per week.

Walking on backs is hard physical work: in a survey of 2,079 practitioners physical exhaustion
was the strongest predictor of an injury that forced them to work less, and about 20 massage
hours a week counts as full time. The daily cap (sessions per day) cannot see a week of long
days, so each therapist also has a weekly budget of minutes (`Therapist.weekly_load_minutes`,
default 1,200 = 20 hours) per ISO week (Monday to Sunday, clinic time).

A session's *load* is its length in minutes times its style's weight
(`settings.LOAD_STYLE_WEIGHTS`, percent; 100 = a minute counts as a minute), so a clinic that
finds bar work harder can make it count more. Loads are kept as integer *centi-minutes*
(minutes x percent), so sums are exact and a budget is never missed by rounding.

This module is the one place the rule is written: the loader (`bookings.schedules`) turns
appointments into weekly loads with `session_load`, `bookings.availability` refuses a slot
that would push a week over budget, the therapist's week page and the manager's reports show
the same numbers (`load_expression` is the same weighting as an SQL expression).
"""

import datetime as dt
import functools

from django.conf import settings
from django.core.signals import setting_changed
from django.db.models import Case, DurationField, ExpressionWrapper, IntegerField, Value, When
from django.dispatch import receiver

CENTI = 100  # load units per weighted minute
DEFAULT_WEEKLY_LOAD_MINUTES = 1200  # about 20 massage hours: full time in the survey


@functools.cache
def _weights() -> dict[str, int]:
    """`settings.LOAD_STYLE_WEIGHTS` as read once: the loader weighs hundreds of sessions
    per window, and reading a setting costs more than the multiplication."""
    return {slug: int(weight) for slug, weight in settings.LOAD_STYLE_WEIGHTS.items()}


@receiver(setting_changed)
def _weights_changed(*, setting: str, **_kwargs) -> None:
    if setting == "LOAD_STYLE_WEIGHTS":  # tests override it
        _weights.cache_clear()


def style_weight(style_slug: str) -> int:
    """The style's weight in percent (100 when the clinic set none for it)."""
    return _weights().get(style_slug, 100)


def session_load(minutes: int, style_slug: str) -> int:
    """Load of one session, in centi-minutes."""
    return minutes * style_weight(style_slug)


def budget_load(weekly_load_minutes: int) -> int:
    """A therapist's weekly budget, in centi-minutes."""
    return weekly_load_minutes * CENTI


def as_minutes(load: int) -> int:
    """Centi-minutes as whole weighted minutes, for people (rounded half up)."""
    return (load + CENTI // 2) // CENTI


def iso_monday(day: dt.date) -> dt.date:
    """The Monday that starts `day`'s ISO week: the week the budget counts in."""
    return day - dt.timedelta(days=day.weekday())


def load_expression(duration, style_slug_field: str = "service__style__slug"):
    """`session_load` as an SQL expression: `duration` (an expression giving the session's
    length) times the weight, in percent, of the style in `style_slug_field`. The result is a
    duration whose whole minutes are centi-minutes (a 60-minute session at 150 % gives 9,000
    "minutes"), so `Sum()` of it is the exact weekly load."""
    weight = Case(
        *[
            When(**{style_slug_field: slug}, then=Value(int(w)))
            for slug, w in settings.LOAD_STYLE_WEIGHTS.items()
        ],
        default=Value(100),
        output_field=IntegerField(),
    )
    return ExpressionWrapper(duration * weight, output_field=DurationField())
