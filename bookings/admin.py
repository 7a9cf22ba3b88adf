"""Admin registration for the booking models: enough to create data by hand.

The full staff experience (roles, schedule grid, review queue, actions that book through
`bookings.services`) is a later issue.
"""

from django.contrib import admin

from bookings.models import Appointment, Client, ClosedDay, Intake, Room, Service, Style


@admin.register(Style)
class StyleAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "required_credential"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Service)
class ServiceAdmin(admin.ModelAdmin):
    list_display = ["name", "style", "duration_minutes", "price", "active"]
    list_filter = ["style", "active"]
    list_select_related = ["style"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Room)
class RoomAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "active"]
    filter_horizontal = ["styles"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(Client)
class ClientAdmin(admin.ModelAdmin):
    list_display = ["name", "email", "phone", "created_at"]
    search_fields = ["name", "email", "phone"]


@admin.register(Intake)
class IntakeAdmin(admin.ModelAdmin):
    list_display = ["id", "questionnaire_version", "outcome", "effective_pressure", "created_at"]
    list_filter = ["outcome", "questionnaire_version"]


@admin.register(Appointment)
class AppointmentAdmin(admin.ModelAdmin):
    list_display = ["reference", "start", "therapist", "service", "room", "client", "status"]
    list_filter = ["status", "therapist", "service__style"]
    list_select_related = ["therapist", "service", "room", "client"]
    search_fields = ["reference", "client__name", "client__email"]
    date_hierarchy = "start"
    raw_id_fields = ["client", "intake"]
    readonly_fields = ["reference", "created_at", "updated_at"]


@admin.register(ClosedDay)
class ClosedDayAdmin(admin.ModelAdmin):
    list_display = ["date", "reason"]
