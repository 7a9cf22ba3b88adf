"""Staff see what the clinic sent, what is waiting and what failed, and can retry."""

from django.contrib import admin, messages

from core.model_admin import ClinicModelAdmin
from outbox.models import Email, EmailStatus
from outbox.services import email_retry_now


@admin.register(Email)
class EmailAdmin(ClinicModelAdmin):
    list_display = ["created_at", "kind", "status", "recipients", "attempts", "next_attempt_at"]
    list_filter = ["status", "kind"]
    search_fields = ["recipients", "subject"]
    ordering = ["-created_at"]
    # The secret (a manage-link token) is never shown.
    fields = [
        "kind", "status", "recipients", "subject", "params", "attempts",
        "next_attempt_at", "last_error", "created_at", "sent_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["retry_now"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.action(description="Send again at the next sweep", permissions=["view"])
    def retry_now(self, request, queryset):
        count = 0
        for email in queryset.exclude(status=EmailStatus.SENT):
            email_retry_now(email=email)
            count += 1
        self.message_user(request, f"{count} e-mail(s) will be retried.", messages.SUCCESS)
