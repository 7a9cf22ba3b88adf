"""Clearances in the staff admin: recorded (with the letter) by staff who may
(`health.add_clearance`: the clinic manager), read only by those who may read health data.

A clearance is recorded once through `bookings.clearances.clearance_record` and not edited
afterwards (a new one replaces it: the history of what was relied on stays); it can be
withdrawn, with a reason, from its page (`bookings.clearance_withdrawal`). The letter is
never a file field with a link: the page shows a link to the one view that checks the
reader and logs the read (`bookings.clearance_views`). Opening a clearance's page is a read
of its details and is logged too. The front desk has no permission on clearances at all;
on the client's record page it sees only that one is on record and until when.
"""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import BadRequest, PermissionDenied
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from bookings import clearance_withdrawal, clearances
from bookings.models import Appointment
from clients.models import Client
from core.clock import localise
from core.model_admin import ClinicModelAdmin
from health.models import Clearance, ClearanceAccess
from staff.admin_forms import DateInput

ADMIN_PAGE = "admin: clearance page"


class ClearanceForm(forms.ModelForm):
    """The shape of a clearance; `clearances.clearance_record` has the final say."""

    conditions = forms.MultipleChoiceField(
        label="Intake conditions it clears",
        choices=list(clearances.CONDITIONS.items()),
        widget=forms.CheckboxSelectMultiple,
    )
    valid_until = forms.DateField(
        required=False,
        widget=DateInput(),
        help_text="Leave empty for the clinic's default (12 months after the clearance).",
    )
    letter = forms.FileField(required=False)

    class Meta:
        model = Clearance
        fields = [
            "client",
            "cleared_by_name",
            "cleared_by_role",
            "cleared_on",
            "valid_until",
            "scope",
            "restrictions",
            "conditions",
        ]
        widgets = {"cleared_on": DateInput()}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "client" in self.fields:  # the add page (a recorded clearance is read-only)
            self.fields["client"].queryset = Client.objects.filter(merged_into=None)
        if "letter" in self.fields:
            self.fields["letter"].help_text = (
                "The professional's letter: PDF, JPEG or PNG, at most "
                f"{clearances.max_letter_megabytes()} MB. Kept sealed, never public."
            )

    def clean_letter(self):
        letter = self.cleaned_data.get("letter")
        if letter:
            try:
                clearances.letter_check(letter)
            except clearances.ClearanceError as error:
                raise forms.ValidationError(error.message) from error
            letter.seek(0)
        return letter

    def clean(self):
        cleaned = super().clean()
        cleared_on = cleaned.get("cleared_on")
        if cleared_on and (
            problem := clearances.dates_problem(cleared_on, cleaned.get("valid_until"))
        ):
            self.add_error(*problem)
        return cleaned


class WithdrawForm(forms.Form):
    reason = forms.CharField(
        label="Why is it withdrawn?",
        max_length=clearance_withdrawal.REASON_MAX,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept with the clearance (for instance: the physician withdrew it by phone).",
    )


@admin.register(Clearance)
class ClearanceAdmin(ClinicModelAdmin):
    list_display = [
        "client",
        "cleared_on",
        "valid_until",
        "has_letter",
        "recorded_by",
        "withdrawn_at",
    ]
    list_select_related = ["client", "recorded_by"]
    search_fields = ["client__name", "client__email"]
    date_hierarchy = "valid_until"
    form = ClearanceForm
    autocomplete_fields = ["client"]  # a search box, not a list of every client
    readonly = [
        "client",
        "cleared_by_name",
        "cleared_by_role",
        "cleared_on",
        "valid_until",
        "scope",
        "restrictions",
        "conditions_cleared",
        "letter_link",
        "recorded_by",
        "recorded_at",
        "withdrawal",
    ]

    def has_view_permission(self, request, obj=None) -> bool:
        """Health data: only those who may read it, whatever model permissions say."""
        return request.user.has_perm(clearances.READ_PERMISSION) and super().has_view_permission(
            request, obj
        )

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_fields(self, request, obj=None):
        return self.readonly if obj is not None else super().get_fields(request, obj)

    def get_readonly_fields(self, request, obj=None):
        return self.readonly if obj is not None else []

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change, **kwargs)
        if "client" in form.base_fields:  # no "add/change/delete client" buttons beside it
            widget = form.base_fields["client"].widget
            widget.can_add_related = widget.can_change_related = False
            widget.can_delete_related = widget.can_view_related = False
        return form

    def get_changeform_initial_data(self, request):
        """Only the client is preselected from the address (`?client=42`), and only when it
        is a valid key (the base drops one that is not)."""
        return {"client": super().get_changeform_initial_data(request).get("client")}

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        try:
            saved = clearances.clearance_record(
                client=data["client"],
                by=request.user,
                letter=data.get("letter"),
                details=clearances.ClearanceDetails(
                    cleared_by_name=data["cleared_by_name"],
                    cleared_by_role=data["cleared_by_role"],
                    cleared_on=data["cleared_on"],
                    valid_until=data.get("valid_until"),
                    scope=data["scope"],
                    restrictions=data.get("restrictions", ""),
                    conditions=data["conditions"],
                ),
            )
        except clearances.ClearanceError as error:  # the form checked the same: a race
            raise BadRequest(error.message) from error
        obj.pk, obj.client = saved.pk, saved.client
        obj.valid_until = saved.valid_until

    def change_view(self, request, object_id, form_url="", extra_context=None):
        clearance = self.get_object(request, object_id)
        if clearance is not None and self.has_view_permission(request, clearance):
            clearances.log_clearance_reads(
                user=request.user, clearances=[clearance], where=ADMIN_PAGE
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def response_add(self, request, obj, post_url_continue=None):
        if "_addanother" in request.POST:
            return super().response_add(request, obj, post_url_continue)
        messages.success(
            request, f"Clearance recorded for {obj.client}, valid until {obj.valid_until:%d %B %Y}."
        )
        return self._client_page(obj)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/withdraw/",
                self.admin_site.admin_view(self.withdraw_view),
                name="health_clearance_withdraw",
            ),
            *super().get_urls(),
        ]

    def withdraw_view(self, request, object_id):
        """Withdraw a clearance with a reason (`clearance_withdrawal.clearance_withdraw`)."""
        clearance = self.get_object(request, unquote(object_id))
        if clearance is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not (
            self.has_view_permission(request, clearance)
            and clearance_withdrawal.may_withdraw(request.user)
        ):
            raise PermissionDenied
        form = WithdrawForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                back = clearance_withdrawal.clearance_withdraw(
                    clearance=clearance, by=request.user, reason=form.cleaned_data["reason"]
                )
            except clearances.ClearanceError as error:
                form.add_error("reason" if error.field else None, error.message)
            else:
                self.log_change(request, clearance, "Withdrew the clearance")
                text = "Clearance withdrawn."
                if back:
                    text += " Back to review: " + ", ".join(a.reference for a in back) + "."
                messages.success(request, text)
                return self._client_page(clearance)
        to_come = (
            Appointment.objects.filter(
                client_id=clearance.client_id, status__in=clearance_withdrawal.TO_COME
            )
            .filter(start__gt=timezone.now())
            .count()
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": "Withdraw a clearance",
            "clearance": clearance,
            "form": form,
            "to_come": to_come,
        }
        return TemplateResponse(
            request,
            "admin/health/clearance/withdraw.html",
            context,
            status=400 if form.errors else 200,
        )

    @admin.display(description="Withdrawal")
    def withdrawal(self, clearance: Clearance) -> str:
        if clearance.withdrawn_at is not None:
            return format_html(
                "Withdrawn on {} by {}: {}",
                f"{localise(clearance.withdrawn_at):%d %B %Y %H:%M}",
                clearance.withdrawn_by or "—",
                clearance.withdrawn_reason,
            )
        return format_html(
            '<a href="{}">Withdraw this clearance…</a>',
            reverse("admin:health_clearance_withdraw", args=[clearance.pk]),
        )

    def _client_page(self, obj):
        return redirect(reverse("admin:clients_client_change", args=[obj.client_id]))

    @admin.display(description="Letter", boolean=True)
    def has_letter(self, clearance: Clearance) -> bool:
        return bool(clearance.letter_file)

    @admin.display(description="Intake conditions it clears")
    def conditions_cleared(self, clearance: Clearance) -> str:
        return "; ".join(clearances.condition_labels(clearance.conditions)) or "—"

    @admin.display(description="Letter")
    def letter_link(self, clearance: Clearance) -> str:
        return letter_link(clearance)


def letter_link(clearance: Clearance) -> str:
    if not clearance.letter_file:
        return "No letter"
    return format_html(
        '<a href="{}" download>Download the letter</a> ({}, {} KB; the download is logged)',
        reverse("bookings:clearance_letter", args=[clearance.pk]),
        clearances.EXTENSIONS.get(clearance.letter_type, "").upper(),
        max(1, clearance.letter_size // 1024),
    )


@admin.register(ClearanceAccess)
class ClearanceAccessAdmin(ClinicModelAdmin):
    """Who read which clearance, when and where (beside the intake access log)."""

    list_display = ["at", "user", "clearance", "where"]
    list_filter = ["where"]
    list_select_related = ["user", "clearance"]
    search_fields = ["user__username"]
    date_hierarchy = "at"

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def has_view_permission(self, request, obj=None) -> bool:
        return request.user.has_perm(clearances.READ_PERMISSION)
