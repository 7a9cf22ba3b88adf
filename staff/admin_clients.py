"""The staff admin's client pages: the client record (everything the clinic knows about a
person, health answers only for the roles allowed to read them) and treatment plans.
"""

import json

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html, format_html_join

from bookings import clients, privacy, record_sections
from bookings.models import TreatmentPlan
from clients.models import Client
from core.clock import clinic_tz
from core.model_admin import ClinicModelAdmin
from staff import admin_views


@admin.register(Client)
class ClientAdmin(ClinicModelAdmin):
    list_display = ["name", "email", "phone", "bookings", "confirmed", "created_at"]
    search_fields = ["name", "email", "phone"]
    date_hierarchy = "created_at"
    ordering = ["name"]
    fieldsets = [
        (None, {"fields": ["name", "email", "phone", "confirmed", "merged_into"]}),
        (
            "Profile",
            {
                "fields": [
                    "preferred_name", "pronouns", "date_of_birth", "address",
                    "emergency_contact_name", "emergency_contact_phone",
                ]
            },
        ),
        (
            "Staff-only alerts (shown on the day schedule and to the session's therapist)",
            {"fields": ["staff_alerts"]},
        ),
        ("Consent", {"fields": ["consent_service_messages", "consent_news"]}),
        (None, {"fields": ["appointments", "plans"]}),
    ]  # fmt: skip
    readonly_fields = ["confirmed", "merged_into", "appointments", "plans"]

    def autocomplete_label(self, client: Client) -> str:
        """How a client reads in the admin's search boxes: the name and the address, since
        names repeat (`ashiatsu_clinic.admin_site.LabelledAutocomplete`)."""
        return f"{client.name} · {client.email}"

    @admin.display(description="Confirmed")
    def confirmed(self, client: Client) -> str:
        if client.merged_into_id:
            return f"Merged into record {client.merged_into_id}"
        if client.confirmed_at is None:
            return "Not yet (one booking, typed details)"
        when = f"{timezone.localtime(client.confirmed_at, clinic_tz()):%d %b %Y}"
        return f"{client.get_confirmed_by_display()} ({when})"

    @admin.display(description="Appointments")
    def appointments(self, client: Client) -> str:
        """The client's bookings, newest first, each linking to its page (one query)."""
        if client.pk is None:
            return "—"
        rows = [
            (
                reverse("admin:bookings_appointment_change", args=[a.pk]),
                a.reference,
                f"{timezone.localtime(a.start, clinic_tz()):%a %d %b %Y, %H:%M}",
                a.therapist.display_name,
                a.service.name,
                a.get_status_display(),
            )
            for a in client.appointments.select_related("therapist", "service").order_by("-start")
        ]
        if not rows:
            return "—"
        return format_html(
            '<ul class="client-bookings">{}</ul>',
            format_html_join("", '<li><a href="{}">{}</a> {}: {}, {} ({})</li>', rows),
        )

    @admin.display(description="Treatment plans")
    def plans(self, client: Client) -> str:
        """The client's series, and a link that books a new one for this record."""
        if client.pk is None or client.merged_into_id:
            return "—"
        rows = [
            (reverse("admin:bookings_treatmentplan_change", args=[plan.pk]), str(plan))
            for plan in client.treatment_plans.select_related("service", "therapist")
        ]
        return format_html(
            '{}<a href="{}?client={}">Book a treatment plan</a>',
            format_html_join("", '<a href="{}">{}</a><br>', rows),
            reverse("admin:bookings_treatmentplan_add"),
            client.pk,
        )

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(booking_count=Count("appointments"))

    @admin.display(description="Bookings", ordering="booking_count")
    def bookings(self, client: Client) -> int:
        return client.booking_count

    def change_view(self, request, object_id, form_url="", extra_context=None):
        """The record page: visits, intakes, clearances and notes under the read rules
        (`bookings.record_sections`, which logs each health read)."""
        client = self.get_object(request, object_id)
        if client is not None and self.has_view_permission(request, client):
            extra_context = {
                **(extra_context or {}),
                "record_html": record_sections.render_record(user=request.user, client=client),
            }
        return super().change_view(request, object_id, form_url, extra_context)

    actions = ["merge_records", "confirm_identity", "export_data", "erase_data"]

    def has_merge_permission(self, request) -> bool:
        return clients.may_merge(request.user)

    @admin.action(description="Merge the two selected records (same person)", permissions=["merge"])
    def merge_records(self, request, queryset):
        """Two records of one person become one, after a page that asks which to keep:
        bookings, intakes and waitlist entries move, each booking's history says so."""
        chosen = list(queryset.order_by("created_at", "pk"))
        if len(chosen) != 2:
            self.message_user(
                request, "Select exactly two client records to merge.", messages.ERROR
            )
            return None
        keep_pk = request.POST.get("keep")
        if keep_pk:
            keep = next((c for c in chosen if str(c.pk) == keep_pk), None)
            if keep is None:
                self.message_user(request, "Choose which record to keep.", messages.ERROR)
                return None
            merge = next(c for c in chosen if c.pk != keep.pk)
            try:
                audit = clients.client_merge(keep=keep, merge=merge, by=request.user)
            except clients.MergeError as error:
                self.message_user(request, str(error), messages.ERROR)
                return None
            self.message_user(
                request,
                f"Merged: {audit.appointments_moved} booking(s) moved to {keep.name} "
                f"({keep.email}); the record is confirmed.",
            )
            return None
        return TemplateResponse(
            request,
            "admin/clients/client/merge_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Merge two client records?",
                "clients": chosen,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )

    @admin.action(
        description="Mark identity confirmed (checked by the clinic)", permissions=["change"]
    )
    def confirm_identity(self, request, queryset):
        count = 0
        for record in queryset.filter(merged_into=None):
            clients.client_confirm(client=record, by=request.user)
            count += 1
        self.message_user(request, f"Confirmed {count} client record(s).")

    @admin.action(description="Export the selected clients' data (JSON)")
    def export_data(self, request, queryset):
        """A client's right of access: everything held about them, as one JSON file."""
        if not request.user.has_perm("health.view_full_intake"):
            raise PermissionDenied
        emails = sorted({c.email.lower() for c in queryset})
        data = [privacy.client_export(email=email, user=request.user) for email in emails]
        response = HttpResponse(
            json.dumps(data, indent=2, ensure_ascii=False), content_type="application/json"
        )
        response["Content-Disposition"] = 'attachment; filename="client-data.json"'
        return response

    @admin.action(description="Erase the selected clients' personal and health data")
    def erase_data(self, request, queryset):
        """A client's right to erasure, after a confirmation page: contact details, intake
        answers and notes go; appointments stay for the schedule's integrity."""
        if not request.user.has_perm("health.view_full_intake"):
            raise PermissionDenied
        emails = sorted({c.email.lower() for c in queryset})
        if request.POST.get("confirm") == "yes":
            erased = sum(privacy.client_erase(email=e, user=request.user) for e in emails)
            self.message_user(request, f"Erased the data of {erased} client record(s).")
            return None
        return TemplateResponse(
            request,
            "admin/clients/client/erase_confirm.html",
            {
                **self.admin_site.each_context(request),
                "title": "Erase client data?",
                "clients": queryset,
                "emails": emails,
                "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
            },
        )


@admin.register(TreatmentPlan)
class TreatmentPlanAdmin(ClinicModelAdmin):
    """Series of sessions (bookings/series.py). Adding one is the two-step booking page;
    a plan's page lists its sessions and cancels the ones still to come."""

    list_display = ["__str__", "first_start", "created_by", "created_at", "cancelled_at"]
    list_select_related = ["client", "therapist", "service", "created_by"]
    search_fields = ["client__name", "client__email"]
    date_hierarchy = "first_start"

    def has_delete_permission(self, request, obj=None) -> bool:
        return False

    def get_urls(self):
        def wrap(view):
            def inner(request, *args, **kwargs):
                return view(request, self, *args, **kwargs)

            return self.admin_site.admin_view(inner)

        return [
            path(
                "<path:object_id>/cancel/",
                wrap(admin_views.series_cancel_view),
                name="bookings_treatmentplan_cancel",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        return admin_views.series_add(request, self)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        return admin_views.series_detail(request, self, object_id)
