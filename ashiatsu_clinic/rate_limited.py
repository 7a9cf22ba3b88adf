"""The answer to a client over a rate limit (settings.RATELIMIT_VIEW; core/rate_limits.py).

django-ratelimit's decorator raises `Ratelimited`, and its middleware asks this view for the
response: the API's JSON 429 (code `rate_limited`) under /api/, else the friendly page.
Never cached: the next minute must reach the view again.
"""

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.cache import add_never_cache_headers

from bookings import api


def too_many_requests(request: HttpRequest, exception: Exception) -> HttpResponse:
    match = request.resolver_match
    if match is not None and "ninja" in match.app_names:
        response = api.rate_limited(request)
    else:
        response = render(request, "429.html", status=429)
    add_never_cache_headers(response)
    return response
