"""One clinic-settings page in the admin, for clinic managers (the role's permissions) and
superusers: the list goes straight to the one row, which starts from the environment's
values; it cannot be added twice or deleted. Django's admin history logs each change with
who and when; the row also keeps the last editor."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from core.model_admin import ClinicModelAdmin
from policy import rules
from policy.models import ClinicPolicy


@admin.register(ClinicPolicy)
class ClinicPolicyAdmin(ClinicModelAdmin):
    fields = ["client_change_cutoff_hours", "updated_by", "updated_at"]
    readonly_fields = ["updated_by", "updated_at"]

    def has_add_permission(self, request) -> bool:
        return False  # the row is made from the environment on first visit

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # the admin's 403
        ClinicPolicy.objects.get_or_create(pk=1, defaults=rules.defaults())
        return redirect(reverse("admin:policy_clinicpolicy_change", args=[1]))

    def save_model(self, request, obj, form, change) -> None:
        obj.updated_by = request.user
        super().save_model(request, obj, form, change)
