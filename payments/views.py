"""Money pages: the client's deposit page, the Stripe webhook, the gift-card balance page,
and the staff pages (an appointment's money, the day's takings, the ledger CSV, receipts).

Thin views: validate, call `payments.services`, redirect or render. Who may open a staff
page is `payments.access`; every refusal of a money action is a `PaymentError` with a
message for the person, shown with a 4xx status, never a 500.
"""

import datetime as dt
import logging

import stripe
from django.conf import settings
from django.contrib import admin, messages
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, Sum
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods, require_POST
from django_ratelimit.decorators import ratelimit

from bookings.models import Appointment, AppointmentStatus, is_reference
from core import rate_limits
from core.csv_cells import csv_writer
from payments import gateway, gift_cards, ledger, packages, receipts, services
from payments.access import is_manager, money_staff
from payments.forms import (
    DayForm,
    DepositForm,
    DeskPaymentForm,
    GiftCardBalanceForm,
    GiftCardIssueForm,
    GiftCardRedeemForm,
    LedgerRangeForm,
    PackageCodeForm,
    PackageSellForm,
)
from payments.models import (
    TAKINGS_METHODS,
    LedgerEntry,
    LedgerKind,
    Method,
    Payment,
    StripeEvent,
)
from payments.money import cents, format_cents

logger = logging.getLogger(__name__)


# --- The client's deposit page -------------------------------------------------------------


def _held_appointment(reference: str, token: str) -> Appointment:
    """The appointment of this deposit link; 404 for a wrong reference or token alike.
    The token is the booking's pay token (`Appointment.pay_token`), which can pay the
    deposit and nothing else; the manage token is not accepted here, so it never needs to
    be in the address of a page that runs Stripe.js."""
    reference = reference.upper()
    if not is_reference(reference):
        raise Http404("No booking matches this link.")
    appointment = (
        Appointment.objects.select_related("service__style", "therapist", "client", "intake")
        .filter(reference=reference)
        .first()
    )
    if appointment is None or not appointment.pay_token_matches(token):
        raise Http404("No booking matches this link.")
    return appointment


def _posted_id(value: str | None) -> int:
    try:
        return int(value or "")
    except ValueError:
        raise ledger.PaymentError(_("No package matches this code.")) from None


STRIPE_JS_ORIGIN = "https://js.stripe.com"


def stripe_csp() -> dict:
    """The site's CSP plus what Stripe's card element needs (its script and frames from
    js.stripe.com, its calls to api.stripe.com): on the deposit page, with keys, only."""
    config = {key: list(value) for key, value in settings.SECURE_CSP.items()}
    config["script-src"] = [*config.get("script-src", []), STRIPE_JS_ORIGIN]
    config["frame-src"] = [STRIPE_JS_ORIGIN, "https://hooks.stripe.com"]
    config["connect-src"] = [*config.get("connect-src", []), "https://api.stripe.com"]
    return config


def _deposit_done(request: HttpRequest, appointment: Appointment) -> HttpResponse:
    """Nothing (more) to pay: what became of the booking, without Stripe.js and without the
    manage link (the client has it in their e-mail and on the page they came from)."""
    return render(request, "payments/deposit_done.html", {"appointment": appointment})


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK,
    key="ip",
    rate=rate_limits.manage_link_rate,
    method=["GET", "POST"],
)
@require_http_methods(["GET", "POST"])
def deposit(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """Pay the deposit that confirms a held booking: by card (saved for fees only with the
    client's ticked consent), from a gift card, or with a package session."""
    appointment = _held_appointment(reference, token)
    if appointment.status != AppointmentStatus.AWAITING_DEPOSIT:
        return _deposit_done(request, appointment)
    consent = services.card_consent_text(appointment)
    form = DepositForm(consent_text=consent)
    package_form = PackageCodeForm(prefix="package")
    status = 200
    next_action_secret = ""
    if request.method == "POST":
        try:
            if request.POST.get("action") == "own_package":
                packages.package_redeem(
                    appointment=appointment,
                    owned_by=request.client_record,
                    package_id=_posted_id(request.POST.get("package")),
                )
            elif request.POST.get("action") == "package":
                package_form = PackageCodeForm(request.POST, prefix="package")
                if not package_form.is_valid():
                    raise ledger.PaymentError(_("Please enter the package code."))
                packages.package_redeem(
                    code=package_form.cleaned_data["code"], appointment=appointment
                )
            else:
                form = DepositForm(request.POST, consent_text=consent)
                if not form.is_valid():
                    raise ledger.PaymentError(_("Please check the payment details below."))
                payment = services.deposit_pay(
                    appointment=appointment,
                    payment_method=form.cleaned_data["payment_method"],
                    save_card=form.cleaned_data["save_card"],
                    gift_code=form.cleaned_data["gift_code"],
                )
                next_action_secret = getattr(payment, "next_action_secret", "")
        except ledger.PaymentError as error:
            messages.error(request, error.message)
            status = 400
        appointment.refresh_from_db(fields=["status"])
        if appointment.status != AppointmentStatus.AWAITING_DEPOSIT:
            messages.success(request, _("Thank you: your deposit is paid and your time is booked."))
            return redirect("payments:deposit", appointment.reference, token)
        if status == 200:
            messages.info(
                request,
                _(
                    "Your bank asks you to confirm the payment. Follow its steps; this page "
                    "updates once it is confirmed."
                ),
            )
    context = {
        "appointment": appointment,
        "token": token,
        "form": form,
        "package_form": package_form,
        # The signed-in client's own packages for this style: one tap, no code.
        "own_packages": packages.packages_offered(
            client=request.client_record, appointment=appointment
        ),
        "deposit_cents": services.deposit_outstanding(appointment),
        "price_cents": round(appointment.service.price * 100),
        "hold_until": timezone.localtime(services.hold_deadline(appointment)),
        "payments_enabled": settings.PAYMENTS_ENABLED,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_js_url": settings.STRIPE_JS_URL,
        "next_action_secret": next_action_secret,
    }
    response = render(request, "payments/deposit.html", context, status=status)
    if settings.PAYMENTS_ENABLED:
        response._csp_config = stripe_csp()  # as django.views.decorators.csp does
    return response


# --- Stripe webhook ------------------------------------------------------------------------


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe tells us a payment succeeded or failed. The signature is checked with the
    endpoint's secret (a forged or tampered call gets 400), and each event id is handled
    once: a redelivered event is answered 200 and changes nothing."""
    if not settings.PAYMENTS_ENABLED:
        raise Http404
    try:
        event = gateway.webhook_event(request.body, request.headers.get("Stripe-Signature", ""))
    except (ValueError, stripe.SignatureVerificationError):
        return HttpResponse("Invalid signature.", status=400, content_type="text/plain")
    try:
        with transaction.atomic():
            try:
                with transaction.atomic():
                    StripeEvent.objects.create(event_id=event.id, type=event.type)
            except IntegrityError:
                return HttpResponse("Already handled.", content_type="text/plain")
            _handle(event)
    except gateway.GatewayUnavailable:
        # Not recorded: Stripe retries the event later.
        return HttpResponse("Try again later.", status=503, content_type="text/plain")
    return HttpResponse("OK", content_type="text/plain")


def _handle(event) -> None:
    obj = event.data.object
    if event.type == "payment_intent.succeeded":
        # Ask Stripe itself rather than trusting the event body alone.
        intent = gateway.intent_retrieve(obj.id)
        if intent.status == "succeeded":
            services.payment_succeeded(payment_intent=intent.id)
    elif event.type == "payment_intent.payment_failed":
        error = getattr(obj, "last_payment_error", None)
        message = getattr(error, "message", "") if error else ""
        services.payment_failed(payment_intent=obj.id, message=message or "The card was declined.")


# --- Gift-card balance -----------------------------------------------------------------------


@never_cache
@ratelimit(
    group=rate_limits.GIFT_CARD_BALANCE,
    key="ip",
    rate=rate_limits.gift_card_balance_rate,
    method="POST",
)
@require_http_methods(["GET", "POST"])
def gift_card_balance(request: HttpRequest) -> HttpResponse:
    """Anyone with a code may see its balance, and nothing else: a wrong code and a code
    that does not exist get the same answer, and look-ups are rate-limited per address."""
    form = GiftCardBalanceForm(request.POST or None)
    balance = None
    status = 200
    if request.method == "POST":
        found = gift_cards.gift_card_balance(form.data.get("code", "")) if form.is_valid() else None
        if found is None:
            messages.error(request, _("We could not find a gift card with this code."))
            status = 404
        else:
            balance = found
            form = GiftCardBalanceForm()
    return render(
        request,
        "payments/gift_card_balance.html",
        {"form": form, "balance": balance},
        status=status,
    )


# --- Staff pages ------------------------------------------------------------------------------


def _staff_context(request: HttpRequest, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        "is_manager": is_manager(request.user),
        **extra,
    }


def _staff_appointment(reference: str) -> Appointment:
    if not is_reference(reference.upper()):
        raise Http404
    return get_object_or_404(
        Appointment.objects.select_related("service__style", "client", "therapist"),
        reference=reference.upper(),
    )


@money_staff()
def appointment_money(request: HttpRequest, reference: str) -> HttpResponse:
    """Everything about one booking's money, and the one-click fee buttons."""
    appointment = _staff_appointment(reference)
    return _appointment_page(request, appointment)


def _appointment_page(request, appointment, *, status: int = 200, **forms) -> HttpResponse:
    context = _staff_context(
        request,
        f"Payments of booking {appointment.reference}",
        appointment=appointment,
        policy=services.policy_for(appointment),
        deposit_cents=services.deposit_due(appointment),
        price_cents=cents(appointment.service.price),
        card=services.card_for(appointment),
        payments=list(appointment.payments.select_related("recorded_by")),
        ledger=list(appointment.ledger.select_related("actor")),
        fees=services.fee_charge_options(appointment),
        desk_form=forms.get("desk_form") or DeskPaymentForm(),
        gift_form=forms.get("gift_form") or GiftCardRedeemForm(),
        package_form=forms.get("package_form") or PackageCodeForm(),
        payments_enabled=settings.PAYMENTS_ENABLED,
    )
    return render(request, "payments/staff_appointment.html", context, status=status)


@money_staff()
@require_POST
def fee_charge(request: HttpRequest, reference: str, kind: str) -> HttpResponse:
    appointment = _staff_appointment(reference)
    try:
        payment = services.fee_charge(appointment=appointment, kind=kind, actor=request.user)
    except ledger.PaymentError as error:
        messages.error(request, error.message)
        return _appointment_page(request, appointment, status=400)
    messages.success(
        request,
        f"{payment.get_kind_display()} of {format_cents(payment.amount_cents)} charged; "
        "the receipt is on its way to the client.",
    )
    return redirect("payments:appointment", appointment.reference)


@money_staff()
@require_POST
def desk_payment(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _staff_appointment(reference)
    form = DeskPaymentForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Please correct the desk payment.")
        return _appointment_page(request, appointment, status=400, desk_form=form)
    payment = ledger.desk_payment_record(
        amount_cents=form.cleaned_data["amount"],
        method=form.cleaned_data["method"],
        note=form.cleaned_data["note"],
        appointment=appointment,
        actor=request.user,
    )
    messages.success(
        request, f"Recorded {format_cents(payment.amount_cents)} ({payment.get_method_display()})."
    )
    return redirect("payments:appointment", appointment.reference)


@money_staff()
@require_POST
def gift_card_redeem(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _staff_appointment(reference)
    form = GiftCardRedeemForm(request.POST)
    try:
        if not form.is_valid():
            raise ledger.PaymentError("Please correct the gift card details.")
        taken = gift_cards.gift_card_redeem(
            code=form.cleaned_data["code"],
            amount_cents=form.cleaned_data["amount"],
            appointment=appointment,
            actor=request.user,
        )
    except ledger.PaymentError as error:
        messages.error(request, error.message)
        return _appointment_page(request, appointment, status=400, gift_form=form)
    messages.success(request, f"{format_cents(taken)} taken from the gift card.")
    return redirect("payments:appointment", appointment.reference)


@money_staff()
@require_POST
def package_redeem(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _staff_appointment(reference)
    form = PackageCodeForm(request.POST)
    try:
        if not form.is_valid():
            raise ledger.PaymentError("Please enter the package code.")
        package = packages.package_redeem(
            code=form.cleaned_data["code"], appointment=appointment, actor=request.user
        )
    except ledger.PaymentError as error:
        messages.error(request, error.message)
        return _appointment_page(request, appointment, status=400, package_form=form)
    messages.success(request, f"One session used; {package.sessions_left} left on the package.")
    return redirect("payments:appointment", appointment.reference)


def _day_bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(day, dt.time.min, tzinfo=tz)
    return start, dt.datetime.combine(day + dt.timedelta(days=1), dt.time.min, tzinfo=tz)


@money_staff()
def day_takings(request: HttpRequest) -> HttpResponse:
    """The day's money by method, to reconcile the cash drawer, the card terminal and the
    Stripe payout, with every ledger row of the day."""
    form = DayForm(request.GET)
    status = 200
    if not form.is_valid():
        # A day that is no day (2026-02-30) or out of reach (9999-12-31): say so, show today.
        messages.error(request, " ".join(form.errors["date"]))
        status = 400
    day = (form.cleaned_data.get("date") if status == 200 else None) or timezone.localdate()
    start, end = _day_bounds(day)
    entries = LedgerEntry.objects.filter(at__gte=start, at__lt=end)
    totals = {
        row["method"]: row
        for row in entries.values("method").annotate(
            total=Sum("amount_cents"),
            count=Count("id"),
            tips=Sum("amount_cents", filter=Q(kind=LedgerKind.TIP)),
        )
    }
    takings = [
        (Method(method).label, totals.get(method, {}).get("total") or 0)
        for method in TAKINGS_METHODS
    ]
    prepaid = [
        (Method(method).label, totals.get(method, {}).get("total") or 0)
        for method in (Method.GIFT_CARD, Method.PACKAGE)
    ]
    context = _staff_context(
        request,
        f"Takings of {day:%A %d %B %Y}",
        day=day,
        previous_day=day - dt.timedelta(days=1),
        next_day=day + dt.timedelta(days=1),
        takings=takings,
        takings_total=sum(total for _label, total in takings),
        # In the drawer and the payout, but the therapists' (LedgerKind.TIP): shown apart.
        tips_total=sum(row["tips"] or 0 for row in totals.values()),
        prepaid=prepaid,
        entries=list(entries.select_related("appointment", "actor")),
    )
    return render(request, "payments/staff_day.html", context, status=status)


def _sell_page(request: HttpRequest, form_class, *, title: str, sell) -> HttpResponse:
    """A desk sale (gift card or package): the form, then `sell(cleaned_data)` which makes
    the sale with its ledger row and returns (success message, the code to show once)."""
    form = form_class(request.POST or None)
    code = None
    status = 200
    if request.method == "POST":
        if form.is_valid():
            message, code = sell(form.cleaned_data)
            messages.success(request, message)
            form = form_class()
        else:
            status = 400
    context = _staff_context(request, title, form=form, code=code)
    return render(request, "payments/staff_sell.html", context, status=status)


@money_staff()
@require_http_methods(["GET", "POST"])
def gift_card_issue(request: HttpRequest) -> HttpResponse:
    def sell(data):
        card, code = gift_cards.gift_card_issue(
            amount_cents=data["amount"],
            recipient_name=data["recipient_name"],
            purchaser_email=data["purchaser_email"],
            method=data["method"],
            actor=request.user,
        )
        return f"Gift card of {format_cents(card.initial_cents)} sold.", code

    return _sell_page(request, GiftCardIssueForm, title="Sell a gift card", sell=sell)


@money_staff()
@require_http_methods(["GET", "POST"])
def package_sell(request: HttpRequest) -> HttpResponse:
    def sell(data):
        package, code = packages.package_sell(
            plan=data["plan"],
            client_name=data["client_name"],
            client_email=data["client_email"],
            method=data["method"],
            actor=request.user,
        )
        return f"{package.plan.name} sold to {package.client_name}.", code

    return _sell_page(request, PackageSellForm, title="Sell a package", sell=sell)


@money_staff()
def receipt_pdf(request: HttpRequest, payment_id: int) -> HttpResponse:
    payment = get_object_or_404(
        Payment.objects.select_related("appointment__service", "appointment__client"),
        pk=payment_id,
    )
    response = HttpResponse(receipts.receipt_pdf(payment), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{receipts.receipt_number(payment)}.pdf"'
    return response


class _Echo:
    def write(self, value: str) -> str:
        return value


CSV_HEADER = [
    "date", "time", "kind", "method", "amount", "currency", "sessions", "booking",
    "payment", "external id", "description", "recorded by",
]  # fmt: skip


def _csv_rows(entries):
    yield CSV_HEADER
    for entry in entries.iterator(chunk_size=500):
        at = timezone.localtime(entry.at)
        yield [
            at.date().isoformat(),
            at.strftime("%H:%M:%S"),
            entry.get_kind_display(),
            entry.get_method_display(),
            f"{entry.amount_cents / 100:.2f}",  # exact: integer cents formatted, not summed
            entry.currency.upper(),
            entry.sessions,
            entry.appointment.reference if entry.appointment_id else "",
            entry.payment_id or "",
            entry.external_id,
            entry.description,
            entry.actor.get_username() if entry.actor_id else "",
        ]


@money_staff(manager_only=True)
def ledger_csv(request: HttpRequest) -> HttpResponse:
    """The ledger for the accountant, one row per movement, for a date range (manager only)."""
    form = LedgerRangeForm(request.GET)
    if not form.is_valid():
        problems = " ".join(message for messages in form.errors.values() for message in messages)
        return HttpResponse(
            f"Give start and end dates (YYYY-MM-DD), at most a year apart. {problems}",
            status=400,
            content_type="text/plain",
        )
    start, _ = _day_bounds(form.cleaned_data["start"])
    _, end = _day_bounds(form.cleaned_data["end"])
    entries = (
        LedgerEntry.objects.filter(at__gte=start, at__lt=end)
        .select_related("appointment", "actor")
        .order_by("at", "id")
    )
    writer = csv_writer(_Echo())
    response = StreamingHttpResponse(
        (writer.writerow(row) for row in _csv_rows(entries)), content_type="text/csv"
    )
    name = f"ledger-{form.cleaned_data['start']}-{form.cleaned_data['end']}.csv"
    response["Content-Disposition"] = f'attachment; filename="{name}"'
    return response
