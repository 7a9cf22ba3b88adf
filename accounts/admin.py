from django.contrib import admin
from django.utils import timezone

from accounts.models import ErasureRequest
from core.model_admin import ClinicModelAdmin


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ClinicModelAdmin):
    """Clients' erase requests from /account/. Staff erase through the Clients admin's
    erase action (the manager), then mark the request handled here."""

    list_display = ["requested_at", "client", "handled_at", "handled_by"]
    list_select_related = ["client", "handled_by"]
    readonly_fields = ["client", "requested_at", "handled_at", "handled_by"]
    fields = readonly_fields
    actions = ["mark_handled"]

    def has_add_permission(self, request) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    @admin.action(description="Mark the selected requests handled", permissions=["change"])
    def mark_handled(self, request, queryset):
        done = queryset.filter(handled_at=None).update(
            handled_at=timezone.now(), handled_by=request.user
        )
        self.message_user(request, f"Marked {done} request(s) handled.")
