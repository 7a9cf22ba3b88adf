"""Rate limits are django-ratelimit's decorator, one way everywhere (core/rate_limits.py).

Every limited view names a shared group (without one, django-ratelimit counts each view
apart and the manage-link pages would allow several times the rate), counts by client
address and reads its rate from settings; the 429 is JSON on the API and a page elsewhere,
and is never cached.
"""

import ast
from pathlib import Path

import pytest
from django.urls import reverse

from tests.test_architecture import LAYERED

ROOT = Path(__file__).resolve().parent.parent


def _ratelimit_calls():
    for app in sorted(LAYERED):
        for path in sorted((ROOT / app).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, ast.Name) and node.id == "is_ratelimited":
                    yield path, node, "is_ratelimited"
                if (
                    isinstance(node, ast.Call)
                    and isinstance(node.func, ast.Name)
                    and node.func.id == "ratelimit"
                ):
                    yield path, node, "ratelimit"


def test_every_limit_is_the_decorator_with_a_group_the_ip_and_a_settings_rate():
    calls = list(_ratelimit_calls())
    assert len(calls) >= 15
    for path, node, name in calls:
        where = f"{path.relative_to(ROOT)}:{node.lineno}"
        assert name == "ratelimit", f"{where}: call the decorator, not is_ratelimited"
        keywords = {k.arg: k.value for k in node.keywords}
        assert ast.unparse(keywords["group"]).startswith("rate_limits."), where
        assert ast.unparse(keywords["rate"]).startswith("rate_limits."), where
        assert ast.literal_eval(keywords["key"]) == "ip", where
        assert "block" not in keywords, where  # blocking: Ratelimited becomes the 429


@pytest.mark.django_db
def test_a_limited_page_answers_the_429_page_never_cached(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.MANAGE_LINK_RATE = "1/m"
    url = reverse("bookings:manage", args=["ABCDEFGH", "x" * 43])
    client.get(url)
    response = client.get(url)
    assert response.status_code == 429
    assert "application/json" not in response["Content-Type"]
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_limited_api_call_answers_the_apis_json_429(client, settings):
    settings.RATELIMIT_ENABLE = True
    settings.MANAGE_LINK_RATE = "1/m"
    url = "/api/bookings/ABCDEFGH/cancel"
    client.post(url, "{}", content_type="application/json")
    response = client.post(url, "{}", content_type="application/json")
    assert response.status_code == 429
    assert response.json()["code"] == "rate_limited"
