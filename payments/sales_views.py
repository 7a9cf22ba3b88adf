"""Pages of the online sales: a gift card for anyone (`/gift-cards/buy/`) and package plans
for a signed-in client (`/packages/`), paid by card with Stripe's card element.

Thin views over `payments.online_sales`. The signed-in client is `request.client_record`
(put there by the accounts app's middleware; payments does not import accounts). A refusal
is a message and a 400, never a 500; a code is never shown on a page.
"""

from django.conf import settings
from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from bookings.models import Appointment, is_reference
from core import rate_limits
from payments import online_sales
from payments import packages as package_rules
from payments.account import package_may_pay
from payments.forms import GiftCardBuyForm, PackageBuyForm
from payments.ledger import PaymentError
from payments.views import _posted_id, stripe_csp


def _card_page(request: HttpRequest, template: str, context: dict, status: int) -> HttpResponse:
    context = {
        **context,
        "payments_enabled": settings.PAYMENTS_ENABLED,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_js_url": settings.STRIPE_JS_URL,
    }
    response = render(request, template, context, status=status)
    if settings.PAYMENTS_ENABLED:
        response._csp_config = stripe_csp()  # as django.views.decorators.csp does
    return response


def _purchase(request: HttpRequest, buy, *, thanks: str, done_url: str):
    """Run `buy()` (a card payment): (a redirect to `done_url` once paid, else None; the
    page's status; the bank's next-action secret while it checks the payment). A refusal is
    a message and a 400."""
    try:
        payment = buy()
    except PaymentError as error:
        messages.error(request, error.message)
        return None, 400, ""
    if payment.status != "succeeded":
        messages.info(
            request,
            _(
                "Your bank asks you to confirm the payment. Follow its steps; we e-mail you "
                "once it is confirmed."
            ),
        )
        return None, 200, payment.next_action_secret
    messages.success(request, thanks)
    return redirect(done_url), 200, ""


@never_cache
@ratelimit(
    group=rate_limits.ONLINE_PURCHASE,
    key="ip",
    rate=rate_limits.online_purchase_rate,
    method="POST",
)
@require_http_methods(["GET", "POST"])
def gift_card_buy(request: HttpRequest) -> HttpResponse:
    """Buy a gift card: value, from, to, a message, and the day it arrives."""
    record = request.client_record
    initial = {"purchaser_name": record.name, "purchaser_email": record.email} if record else {}
    form = GiftCardBuyForm(request.POST or None, initial=initial)
    status, next_action_secret = 200, ""
    if request.method == "POST":

        def buy():
            if not form.is_valid():
                raise PaymentError(_("Please check the details below."))
            data = form.cleaned_data
            return online_sales.gift_card_buy(
                amount_cents=data["amount"],
                purchaser_name=data["purchaser_name"],
                purchaser_email=data["purchaser_email"],
                recipient_name=data["recipient_name"],
                recipient_email=data["recipient_email"],
                message=data["message"],
                deliver_on=data["deliver_on"],
                payment_method=data["payment_method"],
            )

        done, status, next_action_secret = _purchase(
            request,
            buy,
            thanks=_("Thank you: the gift card is paid. Your receipt is on its way."),
            done_url=reverse("payments:gift_card_bought"),
        )
        if done:
            return done
    context = {
        "form": form,
        "min_cents": settings.GIFT_CARD_MIN_CENTS,
        "max_cents": settings.GIFT_CARD_MAX_CENTS,
        "valid_years": settings.GIFT_CARD_VALID_YEARS,
        "next_action_secret": next_action_secret,
    }
    return _card_page(request, "payments/gift_card_buy.html", context, status)


def gift_card_bought(request: HttpRequest) -> HttpResponse:
    return render(request, "payments/gift_card_bought.html")


@never_cache
@ratelimit(
    group=rate_limits.ONLINE_PURCHASE,
    key="ip",
    rate=rate_limits.online_purchase_rate,
    method="POST",
)
@require_http_methods(["GET", "POST"])
def packages(request: HttpRequest) -> HttpResponse:
    """The package plans on sale; buying one needs a signed-in client (it joins their
    record, and its sessions are offered when they book online)."""
    record = request.client_record
    form = PackageBuyForm(request.POST or None)
    status, next_action_secret = 200, ""
    if request.method == "POST":
        if record is None:
            messages.error(request, _("Sign in first: a package belongs to your record."))
            return redirect(reverse("accounts:sign_in"))

        def buy():
            if not form.is_valid():
                raise PaymentError(_("Please choose a package and enter your card details."))
            return online_sales.package_buy(
                plan_id=form.cleaned_data["plan"],
                client=record,
                payment_method=form.cleaned_data["payment_method"],
            )

        done, status, next_action_secret = _purchase(
            request,
            buy,
            thanks=_("Thank you: the package is yours. It is on your account page."),
            done_url=reverse("accounts:account"),
        )
        if done:
            return done
    context = {
        "plans": list(online_sales.plans_for_sale()),
        "record": record,
        "form": form,
        "next_action_secret": next_action_secret,
    }
    return _card_page(request, "payments/packages.html", context, status)


@never_cache
@require_POST
def package_use(request: HttpRequest, reference: str) -> HttpResponse:
    """One session of the signed-in client's own package pays for their own booking (the
    offer on its manage page). Someone else's booking or package: 404 or 400, nothing used."""
    record = request.client_record
    if record is None:
        return redirect(reverse("accounts:sign_in"))
    reference = reference.upper()
    appointment = (
        Appointment.objects.select_related("service")
        .filter(reference=reference, client=record)
        .first()
        if is_reference(reference)
        else None
    )
    if appointment is None:
        raise Http404("No booking of yours has this reference.")
    try:
        if not package_may_pay(appointment):
            raise PaymentError(_("This booking cannot be paid with a package now."))
        package = package_rules.package_redeem(
            appointment=appointment,
            owned_by=record,
            package_id=_posted_id(request.POST.get("package")),
        )
    except PaymentError as error:
        messages.error(request, error.message)
        return render(request, "payments/package_use_refused.html", status=400)
    messages.success(
        request,
        _("One session of %(name)s pays for booking %(reference)s; %(left)s left.")
        % {
            "name": package.plan.name,
            "reference": appointment.reference,
            "left": package.sessions_left,
        },
    )
    return redirect(reverse("accounts:account"))
