"""Staff's side of texts: the front desk's inbox (a thread per number, answered as a text),
what was sent and how it was delivered, numbers that may not be texted and why, each
client's choice, and each service's reminder lead time."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Max
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from core.model_admin import ClinicModelAdmin
from texts import records, services
from texts.models import ClientTexts, Inbound, Number, ServiceTexts, Text


class ReplyForm(forms.Form):
    message = forms.CharField(max_length=300, widget=forms.Textarea(attrs={"rows": 3}))


@admin.register(Inbound)
class InboundAdmin(ClinicModelAdmin):
    """The front desk's inbox: replies no keyword answered, newest first; open a thread to
    read the exchange with that number and answer it."""

    list_display = ["received_at", "client", "short_body", "action", "thread"]
    list_filter = ["action"]
    readonly_fields = ["sid", "number", "client", "body", "action", "received_at", "handled_at"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    @admin.display(description="Message")
    def short_body(self, inbound: Inbound) -> str:
        return inbound.body[:80]

    @admin.display(description="Thread")
    def thread(self, inbound: Inbound) -> str:
        url = reverse("admin:texts_inbound_thread", args=[str(inbound.number)])
        return format_html('<a href="{}">Open thread</a>', url)

    def get_urls(self):
        view = self.admin_site.admin_view(self.thread_view)
        return [
            path("thread/<str:number>/", view, name="texts_inbound_thread"),
            *super().get_urls(),
        ]

    def thread_view(self, request: HttpRequest, number: str) -> HttpResponse:
        if not self.has_view_permission(request):
            raise PermissionDenied
        received = list(Inbound.objects.filter(number=number).order_by("received_at"))
        sent = list(Text.objects.filter(number=number).order_by("created_at"))
        form = ReplyForm(request.POST or None)
        if request.method == "POST":
            if not request.user.has_perm("texts.add_text"):
                raise PermissionDenied
            if form.is_valid():
                client = received[-1].client if received else None
                services.text_queue(
                    kind="desk", number=number, client=client,
                    params={"note": form.cleaned_data["message"]},
                )  # fmt: skip
                Inbound.objects.filter(number=number, handled_at=None).update(
                    handled_at=timezone.now()
                )
                messages.success(request, "Reply queued; it goes out as a text.")
                return redirect(request.path)
        entries = [(i.received_at, "in", i.body) for i in received]
        entries += [(t.created_at, "out", t.body or f"({t.kind}, not yet sent)") for t in sent]
        context = {
            **self.admin_site.each_context(request),
            "title": f"Texts with {number}",
            "number": number,
            "entries": sorted(entries, key=lambda e: e[0]),
            "form": form,
            "opts": self.model._meta,
            "blocked": records.blocked_reason(number),
        }
        return TemplateResponse(request, "admin/texts/thread.html", context)

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("client")

    def changelist_view(self, request, extra_context=None):
        latest = Inbound.objects.values("number").annotate(last=Max("received_at"))
        extra = {"threads": latest.count(), **(extra_context or {})}
        return super().changelist_view(request, extra_context=extra)


@admin.register(Text)
class TextAdmin(ClinicModelAdmin):
    list_display = ["created_at", "kind", "client", "status", "error_code", "segments"]
    list_filter = ["kind", "status"]
    readonly_fields = [
        "email", "kind", "number", "appointment", "client", "body", "sid", "status",
        "error_code", "segments", "created_at", "sent_at", "status_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(Number)
class NumberAdmin(ClinicModelAdmin):
    """Numbers the clinic does not text: the client replied STOP, or Twilio refused the
    number for good (the reason says which)."""

    list_display = ["number", "opted_out_at", "failed_code", "failed_reason", "failed_at"]
    readonly_fields = ["number", "opted_out_at", "failed_code", "failed_reason", "failed_at"]

    def has_add_permission(self, request):
        return False


@admin.register(ClientTexts)
class ClientTextsAdmin(ClinicModelAdmin):
    list_display = ["client", "wants_texts", "number", "problem", "consent_at"]
    list_filter = ["wants_texts"]
    readonly_fields = [
        "client", "number", "typed", "problem", "wants_texts", "consent_wording", "consent_at",
    ]  # fmt: skip

    def has_add_permission(self, request):
        return False


@admin.register(ServiceTexts)
class ServiceTextsAdmin(ClinicModelAdmin):
    list_display = ["service", "reminder_hours", "second_reminder"]
