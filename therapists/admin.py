"""Admin for therapists: credentials, working hours and time off, all on the therapist page.

The front desk may not change a therapist or a credential, but keeps their working hours and
time off all day; so the therapist page is editable for them with every therapist field read
only, and only the working-hours and time-off inlines open. A credential counts only once
verified, which only the clinic manager (`therapists.verify_credential`) may record; changing
a verified credential's details clears the verification, so a renewal is checked again.
"""

import datetime as dt

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.forms.models import BaseInlineFormSet
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.clock import clinic_today, clinic_tz
from core.model_admin import ClinicModelAdmin
from therapists.admin_views import credential_verify, verify_credentials
from therapists.models import Credential, Therapist, TimeOff, WorkingHours
from therapists.qualifications import EXPIRING_WITHIN_DAYS, expiring_filter

# Changing any of these makes a verified credential a different document: verify it again.
CREDENTIAL_DETAILS = {"kind", "issuer", "number", "issued_on", "expires_on"}
THERAPIST_FIELDS = [
    "display_name",
    "slug",
    "user",
    "active",
    "bio",
    "daily_session_cap",
    "weekly_load_minutes",
    "buffer_minutes",
]


def _verification(credential: Credential) -> str:
    if credential.verified_at is None:
        return "Not verified"
    when = timezone.localtime(credential.verified_at, clinic_tz())
    who = credential.verified_by.get_username() if credential.verified_by else "someone"
    return f"Verified by {who} on {when:%d %b %Y}"


def _clear_changed_verification(request, form) -> None:
    credential = form.instance
    if credential.pk and credential.verified_at and CREDENTIAL_DETAILS & set(form.changed_data):
        credential.verified_at = None
        credential.verified_by = None
        messages.warning(
            request,
            f"{credential} changed, so it needs verifying again before it counts.",
        )


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    fields = ["kind", "issuer", "number", "issued_on", "expires_on", "verification"]
    readonly_fields = ["verification"]
    show_change_link = True

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("verified_by")

    @admin.display(description="Verification")
    def verification(self, credential: Credential) -> str:
        if credential.pk is None:
            return "Verify it on its own page once saved."
        return _verification(credential)


class WorkingHoursFormSet(BaseInlineFormSet):
    def clean(self):
        """Two intervals on one weekday in force on a common day may not overlap (one would
        hide the other's gaps); hours of different periods (dated rows) may."""
        super().clean()
        by_weekday: dict[int, list[tuple]] = {}
        for form in self.forms:
            data = getattr(form, "cleaned_data", None)
            if not data or data.get("DELETE") or not data.get("start") or not data.get("end"):
                continue
            first = data.get("valid_from") or dt.date.min
            last = data.get("valid_until") or dt.date.max
            if first > last:
                raise ValidationError("Working hours must start on or before their last day.")
            intervals = by_weekday.setdefault(data["weekday"], [])
            for start, end, other_first, other_last in intervals:
                if (
                    data["start"] < end
                    and start < data["end"]
                    and first <= other_last
                    and other_first <= last
                ):
                    raise ValidationError(
                        f"Two working intervals overlap on {form.instance.get_weekday_display()}."
                    )
            intervals.append((data["start"], data["end"], first, last))


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    formset = WorkingHoursFormSet
    extra = 0
    ordering = ["weekday", "start"]


class TimeOffInline(admin.TabularInline):
    """Current and future time off, and the last 30 days (older entries are on the time-off
    list)."""

    model = TimeOff
    extra = 0

    def get_queryset(self, request):
        recent = timezone.now() - dt.timedelta(days=30)
        return super().get_queryset(request).filter(end__gte=recent).order_by("start")


@admin.register(Therapist)
class TherapistAdmin(ClinicModelAdmin):
    list_display = [
        "display_name",
        "slug",
        "active",
        "daily_session_cap",
        "buffer_minutes",
        "week_link",
    ]
    list_filter = ["active"]
    search_fields = ["display_name", "slug"]
    autocomplete_fields = ["user"]
    inlines = [CredentialInline, WorkingHoursInline, TimeOffInline]
    fields = THERAPIST_FIELDS

    def _may_change_therapist(self, request) -> bool:
        return request.user.has_perm("therapists.change_therapist")

    def has_change_permission(self, request, obj=None) -> bool:
        """The page is open to whoever keeps the schedule (see the module docstring)."""
        return super().has_change_permission(request, obj) or any(
            request.user.has_perm(f"therapists.{action}_{model}")
            for action in ("add", "change", "delete")
            for model in ("workinghours", "timeoff")
        )

    def get_readonly_fields(self, request, obj=None):
        if self._may_change_therapist(request):
            return super().get_readonly_fields(request, obj)
        return THERAPIST_FIELDS

    def get_prepopulated_fields(self, request, obj=None):
        return {"slug": ["display_name"]} if self._may_change_therapist(request) else {}

    def save_model(self, request, obj, form, change):
        if change and not self._may_change_therapist(request):
            return  # nothing of the therapist's own was editable; only the inlines save
        super().save_model(request, obj, form, change)

    def save_formset(self, request, form, formset, change):
        if formset.model is Credential:
            for inline_form in formset.forms:
                if inline_form.has_changed():
                    _clear_changed_verification(request, inline_form)
        super().save_formset(request, form, formset, change)
        if formset.model is TimeOff:
            for time_off in formset.new_objects + [obj for obj, _ in formset.changed_objects]:
                self.time_off_saved(request, time_off)

    def time_off_saved(self, request, time_off: TimeOff) -> None:
        """Hook for the layer above (`staff.admin_therapists` warns of clashing bookings)."""

    @admin.display(description="Schedule")
    def week_link(self, therapist: Therapist) -> str:
        url = reverse("admin:bookings_appointment_schedule_week", args=[therapist.pk])
        return format_html('<a href="{}">Week</a>', url)


class ExpiryFilter(admin.SimpleListFilter):
    title = "expiry"
    parameter_name = "expiry"

    def lookups(self, request, model_admin):
        return [
            ("soon", f"Expires within {EXPIRING_WITHIN_DAYS} days"),
            ("expired", "Expired"),
            ("current", "Current"),
        ]

    def queryset(self, request, queryset):
        today = clinic_today()
        match self.value():
            case "soon":
                return queryset.filter(expiring_filter(today))
            case "expired":
                return queryset.filter(expires_on__lt=today)
            case "current":
                return queryset.filter(Q(expires_on__isnull=True) | Q(expires_on__gte=today))
        return queryset


class VerifiedFilter(admin.SimpleListFilter):
    title = "verification"
    parameter_name = "verified"

    def lookups(self, request, model_admin):
        return [("no", "Waiting for verification"), ("yes", "Verified")]

    def queryset(self, request, queryset):
        match self.value():
            case "no":
                return queryset.filter(verified_at__isnull=True)
            case "yes":
                return queryset.filter(verified_at__isnull=False)
        return queryset


@admin.register(Credential)
class CredentialAdmin(ClinicModelAdmin):
    list_display = [
        "therapist",
        "kind",
        "number",
        "issuer",
        "issued_on",
        "expires_on",
        "verification",
    ]
    list_filter = [VerifiedFilter, ExpiryFilter, "kind"]
    list_select_related = ["therapist", "verified_by"]
    search_fields = ["therapist__display_name", "number", "issuer"]
    autocomplete_fields = ["therapist"]
    fields = ["therapist", "kind", "issuer", "number", "issued_on", "expires_on", "verification"]
    readonly_fields = ["verification"]
    actions = ["verify_selected"]
    ordering = ["expires_on", "therapist__display_name"]

    @admin.display(description="Verification", ordering="verified_at")
    def verification(self, credential: Credential) -> str:
        return _verification(credential)

    def has_verify_permission(self, request) -> bool:
        return request.user.has_perm("therapists.verify_credential")

    @admin.action(description="Verify selected credentials", permissions=["verify"])
    def verify_selected(self, request, queryset):
        count = verify_credentials(request, self, queryset.filter(verified_at__isnull=True))
        self.message_user(request, f"Verified {count} credential(s).", messages.SUCCESS)

    def save_model(self, request, obj, form, change):
        if change:
            _clear_changed_verification(request, form)
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_verify"] = (
            obj is not None and obj.verified_at is None and self.has_verify_permission(request)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def extra_urls(self, wrap) -> list:
        """Hook for the layer above (`staff.admin_therapists` adds the expiring page)."""
        return []

    def get_urls(self):
        def wrap(view):
            def inner(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(inner)

        return [
            *self.extra_urls(wrap),
            path(
                "<path:object_id>/verify/",
                wrap(credential_verify),
                name="therapists_credential_verify",
            ),
            *super().get_urls(),
        ]


@admin.register(WorkingHours)
class WorkingHoursAdmin(ClinicModelAdmin):
    list_display = ["therapist", "weekday", "start", "end", "valid_from", "valid_until"]
    list_filter = ["weekday", "therapist"]
    list_select_related = ["therapist"]
    ordering = ["therapist__display_name", "weekday", "start"]


@admin.register(TimeOff)
class TimeOffAdmin(ClinicModelAdmin):
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    search_fields = ["therapist__display_name", "reason"]
    date_hierarchy = "start"
    ordering = ["-start"]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        self.time_off_saved(request, obj)

    def time_off_saved(self, request, time_off: TimeOff) -> None:
        """Hook for the layer above (`staff.admin_therapists` warns of clashing bookings)."""
