"""Checkout pages: the desk's checkout screen (front desk and managers), the itemised
receipt PDF, the manager's payroll report and CSV, and the client's tip page (a link for one
booking, no account).

Thin views: validate, call `checkout.services`, redirect or render. Refusals are a
`CheckoutError` with a message for the person, shown with a 4xx status, never a 500.
"""

import datetime as dt

from django.conf import settings
from django.contrib import admin, messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_ratelimit.decorators import ratelimit

from bookings.models import Appointment, is_reference
from checkout import payroll as payroll_rules
from checkout import receipts, services
from checkout.bill import percent_of
from checkout.forms import BillForm, PeriodForm, TakeForm, TipForm
from checkout.models import Checkout
from core import rate_limits
from core.clock import clinic_today
from core.csv_cells import csv_writer
from core.tokens import purpose_token_matches
from payments import services as payments_services
from payments.access import is_manager, money_staff
from payments.models import Method
from payments.money import format_cents
from payments.views import stripe_csp


def _appointment(reference: str) -> Appointment:
    if not is_reference(reference.upper()):
        raise Http404
    return get_object_or_404(
        Appointment.objects.select_related("service__style", "client", "therapist"),
        reference=reference.upper(),
    )


def _staff_context(request: HttpRequest, title: str, **extra) -> dict:
    return {
        **admin.site.each_context(request),
        "title": title,
        "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        "is_manager": is_manager(request.user),
        **extra,
    }


# --- The desk ---------------------------------------------------------------------------


def _desk_page(request, appointment, *, status=200, bill_form=None, take_form=None):
    checkout = Checkout.objects.filter(appointment=appointment).first()
    context = _staff_context(
        request,
        f"Check out booking {appointment.reference}",
        appointment=appointment,
        checkout=checkout,
        bill=services.bill_for(appointment),
        card=payments_services.card_for(appointment),
        suggested=services.suggested_tips(appointment),
        bill_form=bill_form or BillForm(initial={"tip": checkout.tip_cents if checkout else 0}),
        take_form=take_form or TakeForm(),
        payments_enabled=settings.PAYMENTS_ENABLED,
    )
    return render(request, "checkout/desk.html", context, status=status)


@money_staff()
@require_http_methods(["GET", "POST"])
def desk(request: HttpRequest, reference: str) -> HttpResponse:
    """One screen: the bill, the tip and code, and taking the rest."""
    appointment = _appointment(reference)
    if request.method == "GET":
        return _desk_page(request, appointment)
    action = request.POST.get("action")
    bill_form, take_form = BillForm(), TakeForm()
    try:
        if action == "update":
            bill_form = BillForm(request.POST)
            if not bill_form.is_valid():
                raise services.CheckoutError("Please correct the tip or the code.")
            tip = bill_form.cleaned_data["tip"]
            percent = request.POST.get("tip_percent", "")
            if percent:
                if not percent.isdigit() or int(percent) not in settings.CHECKOUT_TIP_PERCENTS:
                    raise services.CheckoutError("Choose one of the suggested tips.")
                tip = percent_of(services.price_cents(appointment), int(percent))
            services.checkout_update(
                appointment=appointment, tip_cents=tip, code=bill_form.cleaned_data["code"]
            )
            messages.success(request, "Bill updated.")
        elif action == "take":
            take_form = TakeForm(request.POST)
            if not take_form.is_valid():
                raise services.CheckoutError("Choose how the client pays.")
            services.checkout_take(
                appointment=appointment,
                method=take_form.cleaned_data["method"],
                card_agreed=take_form.cleaned_data["card_agreed"],
                actor=request.user,
            )
            messages.success(request, "Checked out; the receipt is on its way to the client.")
        else:
            raise services.CheckoutError("Unknown action.")
    except services.CheckoutError as error:
        messages.error(request, error.message)
        return _desk_page(
            request, appointment, status=400, bill_form=bill_form, take_form=take_form
        )
    return redirect("checkout:desk", appointment.reference)


@money_staff()
def receipt_pdf(request: HttpRequest, reference: str) -> HttpResponse:
    appointment = _appointment(reference)
    checkout = get_object_or_404(Checkout, appointment=appointment, closed_at__isnull=False)
    response = HttpResponse(receipts.receipt_pdf(checkout), content_type="application/pdf")
    name = receipts.receipt_number(checkout)
    response["Content-Disposition"] = f'inline; filename="{name}.pdf"'
    return response


# --- Payroll --------------------------------------------------------------------------------


def _period(request: HttpRequest) -> tuple[PeriodForm, dt.date, dt.date]:
    today = clinic_today()
    default_start = today - dt.timedelta(days=today.weekday() + 7)
    form = PeriodForm(
        request.GET
        if "start" in request.GET
        else {"start": default_start, "end": default_start + dt.timedelta(days=6)}
    )
    if not form.is_valid():
        return form, None, None
    return form, form.cleaned_data["start"], form.cleaned_data["end"]


@money_staff(manager_only=True)
def payroll(request: HttpRequest) -> HttpResponse:
    """Money taken by therapist, service and method, tips and commission for a period."""
    form, start, end = _period(request)
    rows = payroll_rules.payroll(start, end) if start else []
    context = _staff_context(
        request,
        "Payroll",
        form=form,
        rows=rows,
        start=start,
        end=end,
        methods=[(m.value, m.label) for m in Method],
    )
    return render(request, "checkout/payroll.html", context, status=200 if start else 400)


@money_staff(manager_only=True)
def payroll_csv(request: HttpRequest) -> HttpResponse:
    form, start, end = _period(request)
    if not start:
        return HttpResponse(
            "Choose a valid period.", status=400, content_type="text/plain; charset=utf-8"
        )
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="payroll-{start}-{end}.csv"'
    writer = csv_writer(response)
    writer.writerow(
        ["therapist", "service", "method", "taken", "tax", "commission rate", "commission", "tips"]
    )
    for row in payroll_rules.payroll(start, end):
        for service in row.services:
            for method, cents in sorted(service.by_method.items()):
                writer.writerow(
                    [row.therapist, service.service, method, _units(cents), "", "", "", ""]
                )
            writer.writerow(
                [row.therapist, service.service, "all", _units(service.taken_cents),
                 _units(service.tax_cents), str(service.rate), _units(service.commission_cents), ""]
            )  # fmt: skip
        writer.writerow(
            [row.therapist, "all", "all", _units(row.taken_cents), "", "",
             _units(row.commission_cents), _units(row.tips_cents)]
        )  # fmt: skip
    return response


def _units(cents: int) -> str:
    sign = "-" if cents < 0 else ""
    return f"{sign}{abs(cents) // 100}.{abs(cents) % 100:02d}"


# --- The client's tip page ---------------------------------------------------------------


def _tip_appointment(reference: str, token: str) -> Appointment:
    """The booking of this tip link; 404 for a wrong reference or token alike. The token
    is for tipping this booking and nothing else."""
    reference = reference.upper()
    if not is_reference(reference) or not purpose_token_matches(
        receipts.TIP_PURPOSE, reference, token
    ):
        raise Http404("No session matches this link.")
    appointment = (
        Appointment.objects.select_related("service", "therapist", "client")
        .filter(reference=reference)
        .first()
    )
    if appointment is None:
        raise Http404("No session matches this link.")
    return appointment


def _tip_cents(form: TipForm, appointment: Appointment) -> int:
    percent, custom = form.cleaned_data["percent"], form.cleaned_data["custom"]
    if custom:
        return custom
    if percent in settings.CHECKOUT_TIP_PERCENTS:
        return percent_of(services.price_cents(appointment), percent)
    raise services.CheckoutError(_("Choose a tip or enter an amount."))


@never_cache
@ratelimit(
    group=rate_limits.MANAGE_LINK, key="ip", rate=rate_limits.manage_link_rate, method="POST"
)
@require_http_methods(["GET", "POST"])
def tip(request: HttpRequest, reference: str, token: str) -> HttpResponse:
    """After the session: an optional tip for the therapist, on the saved card or a new one."""
    appointment = _tip_appointment(reference, token)
    status = 200
    form = TipForm()
    if request.method == "POST" and services.tip_open(appointment):
        form = TipForm(request.POST)
        try:
            if not form.is_valid():
                raise services.CheckoutError(_("Please check the tip below."))
            services.tip_online(
                appointment=appointment,
                tip_cents=_tip_cents(form, appointment),
                payment_method=form.cleaned_data["payment_method"],
                saved_card=form.cleaned_data["card"] != "new",
            )
            messages.success(request, _("Thank you! Your tip goes to your therapist."))
            return redirect("checkout:tip", appointment.reference, token)
        except services.CheckoutError as error:
            messages.error(request, error.message)
            status = 400
    context = {
        "appointment": appointment,
        "open": services.tip_open(appointment),
        "form": form,
        "suggested": services.suggested_tips(appointment),
        "card": payments_services.card_for(appointment),
        "tip_cents": services.tips_paid(appointment),
        "limit": format_cents(services.tip_limit_cents(appointment)),
        "payments_enabled": settings.PAYMENTS_ENABLED,
        "publishable_key": settings.STRIPE_PUBLISHABLE_KEY,
        "stripe_js_url": settings.STRIPE_JS_URL,
    }
    response = render(request, "checkout/tip.html", context, status=status)
    if settings.PAYMENTS_ENABLED:
        response._csp_config = stripe_csp()
    return response
