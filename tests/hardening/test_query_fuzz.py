"""Every GET page that reads its query string, as the user who may open it, with the values
an attacker or a fat finger sends: the calendar's ends, negative and huge numbers, NUL,
bytes that are not UTF-8, very long text, and a parameter given twice. Each answer is a page
or a clear 4xx, never a 500.

The admin's changelists are walked with the parameters each one reads (its date hierarchy,
filters, search, ordering, page); the public, portal, account and staff pages with the
parameters their views read. The default tries each value on all of a page's parameters at
once; `QUERY_FUZZ_DEPTH=full` also tries more values, each on every parameter alone (a hunt
of several minutes).

Third-party admins (axes, django-otp) filter datetime columns by a typed day; Django warns
(RuntimeWarning, an error in this suite) that the day is naive and reads it in the clinic's
zone, which answers the page. The sweep keeps that warning a warning, as in production, so
only real server errors fail it.
"""

import datetime as dt
import os
import warnings

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from bookings.roles import CLINIC_MANAGER
from tests.accounts.test_views import sign_in_as
from tests.bookings.clinic import build_clinic, local_time
from tests.charts.helpers import session, signed_note
from tests.factories import AppointmentFactory, ClientFactory, IntakeFactory
from tests.people import staff_member

pytestmark = pytest.mark.django_db

FULL = os.environ.get("QUERY_FUZZ_DEPTH") == "full"

DATES = ["9999-12-31", "0001-01-01", "2026-02-30"]
OTHERS = ["-1", "9" * 40, "\x00", "x" * 3000]
MORE = ["9999-12-30", "10000-01-01", "0", "", "1e308", "NaN", "../../etc", "<b>"]
RAW = ["%FF%FE%FD"]  # not UTF-8, sent as raw bytes

PUBLIC_PARAMS = ["date", "day", "start", "end", "days", "new", "service", "therapist", "next",
                 "page", "week", "version"]  # fmt: skip
DATE_HIERARCHY_PARTS = ["year", "month", "day"]


def _values():
    return DATES + OTHERS + (MORE if FULL else [])


def _query_sets(params):
    """(description, query dict or raw string) to send: each value on every parameter at
    once, every parameter given twice, raw bytes; in the full hunt also each value on each
    parameter alone (a bad value early in a view can hide a later parameter's)."""
    for value in _values():
        yield f"all={value[:20]!r}", dict.fromkeys(params, value)
    yield "twice", {p: ["9999-12-31", "2026-01-01"] for p in params}
    for raw in RAW:
        yield f"raw={raw}", "&".join(f"{p}={raw}" for p in params)
    if FULL:
        for param in params:
            for value in _values():
                yield f"{param}={value[:20]!r}", {param: value}


def _assert_no_500(client, url, params):
    failures = []
    for what, query in _query_sets(params):
        with warnings.catch_warnings():
            warnings.filterwarnings("default", "DateTimeField .* received a naive datetime")
            if isinstance(query, str):
                response = client.get(url, QUERY_STRING=query)
            else:
                response = client.get(url, query)
        if response.status_code >= 500:
            failures.append(f"{url}?{what} -> {response.status_code}")
    return failures


def _changelist_params(model_admin, request) -> list[str]:
    params = ["q", "o", "p", "all", "e", "_to_field", "_popup"]
    hierarchy = model_admin.date_hierarchy
    if hierarchy:
        params += [f"{hierarchy}__{part}" for part in DATE_HIERARCHY_PARTS]
    for entry in model_admin.get_list_filter(request):
        if isinstance(entry, type) and issubclass(entry, SimpleListFilter):
            params.append(entry.parameter_name)
            continue
        field = entry[0] if isinstance(entry, tuple | list) else entry
        params += [f"{field}__exact", f"{field}__gte", f"{field}__lt", f"{field}__isnull",
                   f"{field}__id__exact"]  # fmt: skip
    return params


@pytest.fixture
def world(run_after_commit):
    clinic = build_clinic()
    ada = ClientFactory(name="Ada Lovelace", email="ada@example.com")
    upcoming = AppointmentFactory(
        client=ada, therapist=clinic.therapists[0], service=clinic.bar_60,
        start=local_time(5, 10), intake=IntakeFactory(),
    )  # fmt: skip
    signed_note(session(clinic.therapists[0], client=ada))
    return clinic, ada, upcoming


def test_admin_changelists_and_staff_pages_never_answer_500(client, world, rf):
    manager = staff_member("boss", CLINIC_MANAGER)
    manager.is_superuser = True
    manager.save()
    client = Client(raise_request_exception=False)
    client.force_login(manager)
    request = rf.get("/")
    request.user = manager
    failures = []
    for model, model_admin in admin.site._registry.items():
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        failures += _assert_no_500(client, url, _changelist_params(model_admin, request))
    clinic, _ada, _upcoming = world
    therapist = clinic.therapists[0]
    for url, params in [
        (reverse("payments:day"), ["date"]),
        (reverse("payments:ledger_csv"), ["start", "end"]),
        ("/admin/reports/", ["start", "end", "table"]),
        ("/admin/bookings/appointment/schedule/", ["date", "view", "therapist"]),
        (f"/admin/bookings/appointment/schedule/week/{therapist.pk}/", ["date"]),
        ("/admin/bookings/appointment/review/", ["p", "o"]),
        ("/admin/bookings/appointment/export/", ["start__gte", "start__lt", "status__exact"]),
        ("/admin/bookings/appointment/add/", ["client", "therapist", "service", "start"]),
        ("/admin/bookings/treatmentplan/add/", ["client", "therapist", "service", "start"]),
        ("/admin/health/clearance/add/", ["client"]),
        ("/admin/therapists/credential/expiring/", ["days", "date"]),
    ]:
        failures += _assert_no_500(client, url, params)
    assert not failures, "\n".join(failures[:40])


def test_public_portal_and_account_pages_never_answer_500(world, run_after_commit):
    clinic, ada, upcoming = world
    service, therapist = clinic.bar_60.slug, clinic.therapists[0].slug
    public = [
        "/", "/book/", f"/book/{service}/", f"/book/{service}/any/",
        f"/book/{service}/{therapist}/", f"/book/{service}/any/intake/",
        f"/book/{service}/any/contact/", f"/book/{service}/any/review/", "/therapists/",
        f"/therapists/{therapist}/", "/waitlist/", "/gift-cards/balance/", "/account/sign-in/",
        "/book/declined/", "/api/availability", "/api/intake/questions", "/api/services",
    ]  # fmt: skip
    failures = []
    anonymous = Client(raise_request_exception=False)
    for url in public:
        failures += _assert_no_500(anonymous, url, PUBLIC_PARAMS)

    therapist_client = Client(raise_request_exception=False)
    therapist_client.force_login(clinic.therapists[0].user)
    today = timezone.localdate()
    for url in ["/therapist/", f"/therapist/day/{today}/", f"/therapist/week/{today}/",
                f"/therapist/appointments/{upcoming.reference}/", "/therapist/calendar/"]:  # fmt: skip
        failures += _assert_no_500(therapist_client, url, PUBLIC_PARAMS)
    for day in ["9999-12-31", "0001-01-01", "2026-02-30", "9999-12-25"]:
        for url in [f"/therapist/day/{day}/", f"/therapist/week/{day}/"]:
            if therapist_client.get(url).status_code >= 500:
                failures.append(url)

    signed_in = Client(raise_request_exception=False)
    sign_in_as(signed_in, ada.email, run_after_commit)
    for url in ["/account/", f"/account/series/{upcoming.reference}/"]:
        failures += _assert_no_500(signed_in, url, PUBLIC_PARAMS + ["every", "count"])
    assert not failures, "\n".join(failures[:40])


def test_the_reach_of_a_date_is_ten_years_either_way():
    from therapists.clinic_time import date_within_reach

    today = dt.date(2026, 12, 8)
    assert date_within_reach(today + dt.timedelta(days=3650), today=today)
    assert not date_within_reach(dt.date(9999, 12, 31), today=today)
