"""Staff see the waitlist in joining order, the offers made and their state, and can take
someone off it or look for free slots now. The stored health answers are never shown here."""

from django.contrib import admin, messages

from core.model_admin import ClinicModelAdmin
from waitlist.models import OPEN_ENTRY_STATUSES, WaitlistEntry, WaitlistOffer
from waitlist.services import offers_make, waitlist_leave

ENTRY_FIELDS = [
    "service", "therapist", "first_day", "last_day", "name", "email", "phone",
    "status", "appointment", "joined_at", "confirmed_at", "queued_at",
]  # fmt: skip


class OfferInline(admin.TabularInline):
    model = WaitlistOffer
    fields = ["start", "therapist", "room", "status", "offered_at", "expires_at", "appointment"]
    readonly_fields = fields
    extra = 0
    can_delete = False
    show_change_link = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(WaitlistEntry)
class WaitlistEntryAdmin(ClinicModelAdmin):
    list_display = ["joined_at", "name", "service", "therapist", "first_day", "last_day", "status"]
    list_filter = ["status", "service", "therapist"]
    list_select_related = ["service", "therapist"]
    search_fields = ["name", "email", "phone"]
    ordering = ["joined_at", "id"]
    fields = ENTRY_FIELDS
    readonly_fields = [
        "status", "appointment", "joined_at", "service", "confirmed_at", "queued_at",
    ]  # fmt: skip
    inlines = [OfferInline]
    actions = ["remove", "offer_now"]

    def has_add_permission(self, request):
        return False  # clients join through the site, with their intake

    @admin.action(description="Remove from the waitlist", permissions=["change"])
    def remove(self, request, queryset):
        entries = queryset.filter(status__in=OPEN_ENTRY_STATUSES)
        for entry in entries:
            waitlist_leave(entry=entry)
        self.message_user(request, f"{len(entries)} removed from the waitlist.", messages.SUCCESS)

    @admin.action(description="Look for free slots now", permissions=["change"])
    def offer_now(self, request, queryset):
        made = offers_make()
        self.message_user(request, f"{made} offer(s) made.", messages.SUCCESS)


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(ClinicModelAdmin):
    list_display = ["offered_at", "entry", "start", "therapist", "status", "expires_at"]
    list_filter = ["status"]
    list_select_related = ["entry", "therapist"]
    readonly_fields = [
        "entry", "therapist", "room", "start", "end", "occupied_until", "status",
        "offered_at", "expires_at", "appointment",
    ]  # fmt: skip
    exclude = ["token_hash"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False
