"""The one place the second factor is enforced: every view not exempt in `policy` sends a
session that passed its password but not its second factor to the enrol / verify step."""

from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponseRedirect
from django.urls import reverse

from twofactor import policy


class SecondFactorMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request: HttpRequest):
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view_func, view_args, view_kwargs):
        if not policy.must_verify(request.user) or policy.is_exempt(request.resolver_match):
            return None
        target = reverse("twofactor:start")
        if request.method in ("GET", "HEAD"):
            target += "?" + urlencode({"next": request.get_full_path()})
        return HttpResponseRedirect(target)
