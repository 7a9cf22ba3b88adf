"""Admin for therapists: credentials, working hours and time off edited on the therapist page."""

from django.contrib import admin

from therapists.models import Credential, Therapist, TimeOff, WorkingHours


class CredentialInline(admin.TabularInline):
    model = Credential
    extra = 0
    fields = ["kind", "issuer", "number", "issued_on", "expires_on", "verified_at", "verified_by"]
    autocomplete_fields = ["verified_by"]


class WorkingHoursInline(admin.TabularInline):
    model = WorkingHours
    extra = 0


class TimeOffInline(admin.TabularInline):
    model = TimeOff
    extra = 0


@admin.register(Therapist)
class TherapistAdmin(admin.ModelAdmin):
    list_display = ["display_name", "slug", "active", "daily_session_cap", "buffer_minutes"]
    list_filter = ["active"]
    search_fields = ["display_name", "slug"]
    prepopulated_fields = {"slug": ["display_name"]}
    autocomplete_fields = ["user"]
    inlines = [CredentialInline, WorkingHoursInline, TimeOffInline]


@admin.register(Credential)
class CredentialAdmin(admin.ModelAdmin):
    list_display = ["therapist", "kind", "number", "issued_on", "expires_on", "verified_at"]
    list_filter = ["kind", ("verified_at", admin.EmptyFieldListFilter)]
    list_select_related = ["therapist"]
    search_fields = ["therapist__display_name", "number", "issuer"]
    autocomplete_fields = ["therapist", "verified_by"]


@admin.register(WorkingHours)
class WorkingHoursAdmin(admin.ModelAdmin):
    list_display = ["therapist", "weekday", "start", "end"]
    list_filter = ["weekday", "therapist"]
    list_select_related = ["therapist"]


@admin.register(TimeOff)
class TimeOffAdmin(admin.ModelAdmin):
    list_display = ["therapist", "start", "end", "reason"]
    list_filter = ["therapist"]
    list_select_related = ["therapist"]
    date_hierarchy = "start"
