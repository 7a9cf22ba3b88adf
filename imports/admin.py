"""The import pages of the staff admin (clinic managers only): the import page (dry run or
import, `imports.runs.import_run`), the runs with their refused rows as CSV, and the merge
offers (merged by `bookings.clients.client_merge`, the one merge of the clinic)."""

from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.html import format_html

from bookings import clients
from core.model_admin import ClinicModelAdmin
from imports import columns, reading, roles, runs
from imports.forms import ImportForm
from imports.models import ImportRun, MergeOffer


class _ManagersOnly:
    def has_module_permission(self, request) -> bool:
        return roles.may_import(request.user)

    def has_view_permission(self, request, obj=None) -> bool:
        return roles.may_import(request.user)

    def has_add_permission(self, request) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


@admin.register(ImportRun)
class ImportRunAdmin(_ManagersOnly, ClinicModelAdmin):
    list_display = ["at", "kind", "source", "filename", "dry_run", "summary", "by"]
    list_filter = ["kind", "dry_run"]
    readonly_fields = ["kind", "source", "filename", "dry_run", "by", "at", "summary", "report"]
    fields = readonly_fields

    def has_add_permission(self, request) -> bool:
        return roles.may_import(request.user)

    @admin.display(description="Rows")
    def summary(self, run: ImportRun) -> str:
        c = run.counts or {}
        if not c:
            return "—"
        return (
            f"{c['created']} created ({c['merge_offered']} offered for merge), "
            f"{c['unchanged']} already imported, {c['refused']} refused"
        )

    @admin.display(description="Refused rows")
    def report(self, run: ImportRun) -> str:
        if not run.refused:
            return "none"
        return format_html(
            '<a href="{}">Download the {} refused rows (CSV)</a>',
            reverse("admin:imports_importrun_refused", args=[run.pk]),
            len(run.refused),
        )

    def get_urls(self):
        wrap = self.admin_site.admin_view
        return [
            path(
                "<int:run_id>/refused.csv",
                wrap(self.refused_view),
                name="imports_importrun_refused",
            ),
            *super().get_urls(),
        ]

    def add_view(self, request, form_url="", extra_context=None):
        """The import page: a dry run shows what would happen; the import does it."""
        if not roles.may_import(request.user):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None)
        run, status, problem = None, 200, None
        if request.method == "POST":
            if form.is_valid():
                run, status, problem = self._run(request, form)
            else:
                status = 400
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "has_view_permission": True,
            "clinic_time_zone": settings.CLINIC_TIME_ZONE,
            "title": "Import from the clinic's old system",
            "form": form,
            "run": run,
            "problem": problem,
            "offers": runs.offers_of(run)[:200] if run and not run.dry_run else [],
            "outcomes_shown": (run.refused[:100] if run else []),
        }
        return TemplateResponse(request, "admin/imports/import.html", context, status=status)

    def _run(self, request, form):
        upload = form.cleaned_data["file"]
        if upload.size > reading.max_bytes():
            return None, 413, reading.too_large_message(upload.size)
        try:
            run = runs.import_run(
                kind=form.cleaned_data["kind"], source=form.cleaned_data["source"],
                data=upload.read(), by=request.user, dry_run="dry_run" in request.POST,
                mapping_text=form.mapping_text(), filename=upload.name or "",
            )  # fmt: skip
        except (reading.ImportFileError, columns.MappingError) as error:
            return None, 400, str(error)
        return run, 200, None

    def refused_view(self, request, run_id: int):
        if not roles.may_import(request.user):
            raise PermissionDenied
        run = get_object_or_404(ImportRun, pk=run_id)
        response = HttpResponse(runs.refused_report(run), content_type="text/csv; charset=utf-8")
        name = f"refused-{run.kind}-{run.at:%Y%m%d-%H%M}.csv"
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response


@admin.register(MergeOffer)
class MergeOfferAdmin(_ManagersOnly, ClinicModelAdmin):
    """Imported clients who may be a record already here: merge them (the existing record
    is kept, the imported one folded into it) or keep them apart."""

    list_display = ["imported_client", "existing_client", "matched_on", "outcome", "imported_on"]
    list_display_links = None
    list_filter = ["outcome"]
    list_select_related = ["imported", "existing", "run"]
    actions = ["merge", "keep_apart"]

    @admin.display(description="Imported record")
    def imported_client(self, offer: MergeOffer) -> str:
        return _client_link(offer.imported)

    @admin.display(description="Record already here")
    def existing_client(self, offer: MergeOffer) -> str:
        return _client_link(offer.existing)

    @admin.display(description="Imported", ordering="run__at")
    def imported_on(self, offer: MergeOffer) -> str:
        return f"{timezone.localtime(offer.run.at):%d %b %Y %H:%M}"

    @admin.action(description="Merge: the imported record joins the record already here")
    def merge(self, request, queryset):
        if not clients.may_merge(request.user):
            raise PermissionDenied
        done = 0
        for offer in queryset.filter(outcome=MergeOffer.Outcome.OPEN):
            try:
                clients.client_merge(keep=offer.existing, merge=offer.imported, by=request.user)
            except clients.MergeError as error:
                self.message_user(request, f"{offer}: {error}", messages.ERROR)
                continue
            offer.outcome, offer.decided_at = MergeOffer.Outcome.MERGED, timezone.now()
            offer.save(update_fields=["outcome", "decided_at"])
            done += 1
        self.message_user(request, f"Merged {done} record(s).")
        return redirect(request.get_full_path())

    @admin.action(description="Keep apart: different people")
    def keep_apart(self, request, queryset):
        count = queryset.filter(outcome=MergeOffer.Outcome.OPEN).update(
            outcome=MergeOffer.Outcome.KEPT_APART, decided_at=timezone.now()
        )
        self.message_user(request, f"Kept {count} pair(s) apart.")


def _client_link(client) -> str:
    """The client's name linking to their record, with the details that were matched."""
    return format_html(
        '<a href="{}">{}</a><br>{}<br>{}',
        reverse(f"admin:{client._meta.app_label}_client_change", args=[client.pk]),
        client.name,
        client.email,
        client.phone or "no phone",
    )
