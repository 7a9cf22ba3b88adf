"""Every URL of the site, walked from the URL conf: for a session that passed its password
but not its second factor, each one answers with the way to the second step, except the
short list a session needs to finish signing in. A view added tomorrow is in this walk
without anyone remembering to add it, and the exemptions cannot grow unseen."""

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from twofactor import policy

pytestmark = pytest.mark.django_db

# What a half-signed-in session may open, and why. A change here is a security decision.
EXPECTED_EXEMPT_NAMESPACES = {"twofactor", "otp_webauthn"}
EXPECTED_EXEMPT_VIEWS = {
    "therapists:login",
    "therapists:logout",
    "admin:login",
    "admin:logout",
    "set_language",
}

# A value for each kind of URL argument, so that every pattern becomes a path to request.
SAMPLES = {
    "int": "1",
    "str": "X7K2M9",
    "slug": "some-slug",
    "path": "1",
    "uuid": "00000000-0000-0000-0000-000000000001",
}
REGEX_SAMPLES = {
    "day": "2026-12-07",
    "token": "a" * 32,
    "pk": "1",
    "app_label": "bookings",
}


def _sample(route) -> str:
    pattern = route.pattern
    if hasattr(pattern, "converters") and pattern.converters:
        text = str(pattern)
        return re.sub(r"<(?:(\w+):)?(\w+)>", lambda m: SAMPLES[m.group(1) or "str"], text)
    text = str(pattern)
    if not text.startswith("^"):
        return text

    def group(match):
        name = match.group(1)
        if name not in REGEX_SAMPLES:
            raise AssertionError(f"add a sample value for URL argument {name!r} ({text})")
        return REGEX_SAMPLES[name]

    text = re.sub(r"\(\?P<(\w+)>(?:[^()]|\([^()]*\))*\)", group, text)
    text = re.sub(r"\\(.)", r"\1", text)
    return text.lstrip("^").rstrip("$").replace("\\", "")


def walk(resolver=None, prefix="", namespaces=()):
    """(path, namespaces, name) of every URL pattern, with arguments filled in."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            ns = (*namespaces, entry.namespace) if entry.namespace else namespaces
            yield from walk(entry, prefix + _sample(entry), ns)
        elif isinstance(entry, URLPattern):
            yield prefix + _sample(entry), namespaces, entry.name


def every_path():
    seen = {}
    for path, namespaces, name in walk():
        if "(?" in path or "[" in path:
            continue  # the admin's app_list regex is covered by its reversed form below
        seen.setdefault("/" + path, (namespaces, name))
    for app_label in ("bookings", "therapists", "auth"):
        seen.setdefault(reverse("admin:app_list", args=[app_label]), (("admin",), "app_list"))
    return seen


def test_the_exemptions_are_the_reviewed_ones():
    assert policy.EXEMPT_NAMESPACES == EXPECTED_EXEMPT_NAMESPACES
    assert policy.EXEMPT_VIEWS == EXPECTED_EXEMPT_VIEWS


def test_every_other_url_sends_a_password_only_session_to_the_second_step(client, front_desk):
    client.force_login(front_desk)
    protected, exempt = [], []
    for path, (namespaces, name) in sorted(every_path().items()):
        view = ":".join((*namespaces, name or ""))
        if set(namespaces) & EXPECTED_EXEMPT_NAMESPACES or view in EXPECTED_EXEMPT_VIEWS:
            exempt.append(path)
            continue
        response = client.get(path)
        location = response.get("Location", "")
        assert response.status_code == 302 and location.startswith("/two-factor/?next="), (
            f"{path} ({view}) answered {response.status_code} {location} to a session that "
            "has not passed its second factor"
        )
        protected.append(path)
    # The walk really covered the pages that matter (a broken walk must not pass quietly).
    for must in ("/therapist/", "/staff/money/", "/admin/", "/admin/reports/", "/api/"):
        assert any(p.startswith(must) for p in protected), must
    assert len(protected) > 100
    assert "/two-factor/verify/" in exempt
