"""A query compiled once per shape gives exactly what the ORM compiles, or is not reused."""

import datetime as dt

import pytest
from django.db import connection

from bookings import sql_templates
from bookings.models import Appointment

pytestmark = pytest.mark.django_db

MOMENT = dt.datetime(2026, 3, 2, 9, tzinfo=dt.UTC)


def _window(values):
    return Appointment.objects.filter(
        start__lt=values["end"], occupied_until__gt=values["start"]
    ).exclude(pk=values["pk"])


@pytest.mark.skipif(
    connection.vendor != "postgresql", reason="SQLite turns datetimes into text: no template"
)
def test_a_template_fills_in_new_values_as_the_orm_would():
    first = {"start": MOMENT, "end": MOMENT + dt.timedelta(days=1), "pk": 7}
    later = {"start": MOMENT + dt.timedelta(days=3), "end": MOMENT + dt.timedelta(days=9), "pk": 8}
    assert sql_templates.compiled("test window", _window, first) == _compiled(_window(first))
    assert sql_templates.compiled("test window", _window, later) == _compiled(_window(later))
    assert sql_templates._templates[(connection.vendor, "test window")] is not None


def test_a_builder_whose_sql_depends_on_a_value_is_compiled_every_time():
    def by_value(values):
        # The SQL itself changes with the value: no template can stand for it.
        queryset = Appointment.objects.filter(start__lt=values["end"])
        return queryset.filter(pk=1) if values["pk"] == 7 else queryset

    first = {"end": MOMENT, "pk": 7}
    later = {"end": MOMENT, "pk": 8}
    assert sql_templates.compiled("test by value", by_value, first) == _compiled(by_value(first))
    assert sql_templates._templates[(connection.vendor, "test by value")] is None
    assert sql_templates.compiled("test by value", by_value, later) == _compiled(by_value(later))


def _compiled(queryset):
    sql, params = queryset.query.sql_with_params()
    return sql, tuple(params)
