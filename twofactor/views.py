"""The second step of every clinic sign-in, and the manager's reset of a lost device.

- `start`: where the middleware sends a session that passed its password only: to `verify`
  when the user has a device, else to `enrol`.
- `enrol`: an authenticator app (QR code and typed secret, confirmed by a first code) or a
  passkey. Only a user with no device, or one already verified, may enrol: a password alone
  must not add a device next to an existing one.
- `recovery_codes`: shown once, right after enrolment (or when a verified user asks for a
  new set, which replaces the old one).
- `verify`: a code from the app, a recovery code (used up), or the passkey.
- `reset`: a manager removes a colleague's devices (admin page, logged).
"""

from urllib.parse import urlencode

import segno
from django.conf import settings
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from twofactor import devices, policy
from twofactor.forms import CodeForm


def _next(request: HttpRequest) -> str:
    """Where to go once verified: the page that sent the user here (same site only), else
    the portal for therapists and the admin for staff."""
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("admin:index") if request.user.is_staff else reverse("therapists:today")


def _with_next(name: str, request: HttpRequest) -> str:
    return reverse(name) + "?" + urlencode({"next": _next(request)})


def _verified(request: HttpRequest, device) -> None:
    """The session now counts as verified by this device: a new session id, as at any
    change of privilege (a session id seen before the second step is worth nothing after)."""
    otp_login(request, device)
    request.session.cycle_key()


def _wrong_code(user, message: str) -> str:
    if devices.is_throttled(user):
        return message + " " + "After a wrong code, wait a few seconds before the next try."
    return message + " " + "Check it and try again."


def _signed_in(view):
    """These pages are for a session that passed its password: anyone else signs in first."""

    def check(request: HttpRequest, *args, **kwargs):
        if not request.user.is_authenticated:
            return redirect("therapists:login")
        return view(request, *args, **kwargs)

    check.__name__ = view.__name__
    check.__doc__ = view.__doc__
    return check


@never_cache
@_signed_in
def start(request: HttpRequest) -> HttpResponse:
    if request.user.is_verified():
        return redirect(_next(request))
    if devices.has_confirmed_device(request.user):
        return redirect(_with_next("twofactor:verify", request))
    return redirect(_with_next("twofactor:enrol", request))


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_signed_in
def enrol(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not user.is_verified() and devices.has_confirmed_device(user):
        return redirect(_with_next("twofactor:verify", request))
    device = devices.pending_app_device(user)
    form = CodeForm(
        request.POST or None,
        submit="Confirm",
        help_text="The six digits your app shows for the clinic now.",
    )
    if request.method == "POST" and form.is_valid():
        if devices.confirm_app_device(device, form.cleaned_data["code"]):
            if not user.is_verified():
                _verified(request, device)
            return redirect(_with_next("twofactor:recovery_codes", request))
        form.add_error("code", _wrong_code(user, "That code is not the one your app shows now."))
    qr = segno.make(device.config_url, error="m")
    return render(
        request,
        "twofactor/enrol.html",
        {
            "form": form,
            "qr_svg": qr.svg_inline(border=4, omitsize=True, title="QR code for your app"),
            "secret": devices.secret_of(device),
            "next": _next(request),
            "recovery_url": _with_next("twofactor:recovery_codes", request),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_signed_in
def recovery_codes(request: HttpRequest) -> HttpResponse:
    """Codes are issued once after the first device (app or passkey), or on request by a
    verified user; the page that issues them is the only one that shows them."""
    user = request.user
    if not user.is_verified():
        return redirect(_with_next("twofactor:start", request))
    codes = None
    if request.method == "POST" or not devices.has_recovery_codes(user):
        codes = devices.issue_recovery_codes(user)
    return render(
        request,
        "twofactor/recovery_codes.html",
        {
            "codes": codes,
            "remaining": devices.remaining_recovery_codes(user),
            "next": _next(request),
        },
    )


@never_cache
@require_http_methods(["GET", "HEAD", "POST"])
@_signed_in
def verify(request: HttpRequest) -> HttpResponse:
    user = request.user
    if user.is_verified():
        return redirect(_next(request))
    if not devices.has_confirmed_device(user):
        return redirect(_with_next("twofactor:enrol", request))
    has_app = TOTPDevice.objects.filter(user=user, confirmed=True).exists()
    form = CodeForm(
        request.POST or None,
        submit="Verify",
        help_text="The six digits your app shows, or one of your recovery codes."
        if has_app
        else "One of your recovery codes.",
    )
    if request.method == "POST" and form.is_valid():
        device = devices.match_code(user, form.cleaned_data["code"])
        if device is not None:
            _verified(request, device)
            if not isinstance(device, TOTPDevice):
                left = devices.remaining_recovery_codes(user)
                messages.warning(
                    request,
                    f"You used a recovery code; {left} left. Make a new set when you can.",
                )
            return redirect(_next(request))
        form.add_error("code", _wrong_code(user, "That code was not accepted."))
    return render(
        request,
        "twofactor/verify.html",
        {
            "form": form,
            "has_passkey": devices.has_passkey(user),
            "has_app": has_app,
            "next": _next(request),
        },
    )


# --- The manager's reset (an admin page) ----------------------------------------------------


def _manager_only(view):
    def check(request: HttpRequest, *args, **kwargs):
        if not policy.may_reset_devices(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    check.__name__ = view.__name__
    return admin.site.admin_view(never_cache(check))


def _clinic_logins():
    """Everyone who signs in with a password: staff and therapists."""
    return (
        get_user_model()
        .objects.filter(is_active=True)
        .filter(Q(is_staff=True) | Q(therapist__isnull=False))
        .distinct()
        .order_by("username")
    )


@_manager_only
def reset_list(request: HttpRequest) -> HttpResponse:
    people = [
        (person, devices.device_summary(person), devices.resets_of(person).first())
        for person in _clinic_logins()
    ]
    context = {
        **admin.site.each_context(request),
        "title": "Two-factor devices",
        "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        "people": people,
    }
    return TemplateResponse(request, "twofactor/reset.html", context)


@require_POST
@_manager_only
def reset(request: HttpRequest, user_id: int) -> HttpResponse:
    target = get_object_or_404(_clinic_logins(), pk=user_id)
    if not policy.may_reset_devices_of(request.user, target):
        raise PermissionDenied
    devices.reset_devices(target=target, by=request.user)
    messages.success(
        request,
        f"{target.get_username()}'s devices were removed; they enrol again at their next sign-in.",
    )
    return redirect("twofactor_reset:list")
