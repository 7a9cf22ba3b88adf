"""Staff see what the clinic sent, what is waiting, what became moot and why, and the dead
letters (every retry failed) with their last error; "send again" re-queues them."""

from django.contrib import admin, messages
from django.utils.html import format_html
from django.utils.text import Truncator

from core.model_admin import ClinicModelAdmin
from outbox.dead_letters import dead_letter_count, dead_letters_url
from outbox.models import Email
from outbox.services import email_send_again


@admin.register(Email)
class EmailAdmin(ClinicModelAdmin):
    list_display = [
        "created_at", "kind", "status", "recipients", "attempts", "next_attempt_at",
        "reason", "error",
    ]  # fmt: skip
    list_filter = ["status", "kind"]
    # Counts beside each filter choice: how many dead letters, pending, moot, at a glance.
    show_facets = admin.ShowFacets.ALWAYS
    search_fields = ["recipients", "subject"]
    ordering = ["-created_at"]
    # The secret (a manage-link token) is never shown.
    fields = [
        "kind", "status", "reason", "recipients", "subject", "params", "attempts",
        "next_attempt_at", "last_error", "moot_after", "claimed_until", "created_at", "sent_at",
    ]  # fmt: skip
    readonly_fields = fields
    actions = ["send_again"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Last error")
    def error(self, email: Email) -> str:
        return Truncator(email.last_error).chars(80)

    def changelist_view(self, request, extra_context=None):
        """Dead letters are announced on top of the list, with a link to them, so nobody
        browsing the outbox misses that mail was given up on."""
        dead = dead_letter_count()
        if dead and request.method == "GET":
            messages.warning(
                request,
                format_html(
                    '{} dead letter(s): e-mail given up after every retry. <a href="{}">Show '
                    "them</a>, then choose “Send again” once the mail server works.",
                    dead,
                    dead_letters_url(),
                ),
            )
        return super().changelist_view(request, extra_context)

    @admin.action(description="Send again now", permissions=["view"])
    def send_again(self, request, queryset):
        again = sum(email_send_again(email=email) for email in queryset)
        skipped = queryset.count() - again
        self.message_user(request, f"{again} e-mail(s) queued to be sent again.", messages.SUCCESS)
        if skipped:
            self.message_user(
                request,
                f"{skipped} e-mail(s) left alone: already sent, moot or being sent.",
                messages.WARNING,
            )
