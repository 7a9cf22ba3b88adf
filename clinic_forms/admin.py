"""The manager's form builder: a form, its questions, the services that ask for it.

Saving a changed form publishes a new version (`versions.version_publish`): answers keep the
version they were given to. Versions and answers are shown read-only.
"""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.forms.models import BaseInlineFormSet

from clinic_forms.models import CHOICE_KINDS, Form, FormAttachment, FormVersion, Question
from clinic_forms.versions import version_publish
from core.model_admin import ClinicModelAdmin


class QuestionFormSet(BaseInlineFormSet):
    def clean(self):
        super().clean()
        for form in self.forms:
            data = getattr(form, "cleaned_data", None) or {}
            if not data or data.get("DELETE"):
                continue
            if data.get("kind") in CHOICE_KINDS and not (data.get("choices_en") or "").strip():
                form.add_error("choices_en", ValidationError("Give the choices, one a line."))


class QuestionInline(admin.StackedInline):
    model = Question
    formset = QuestionFormSet
    extra = 1
    fields = [("position", "kind", "required"), "label_en", "label_es", "choices_en", "choices_es"]


class AttachmentInline(admin.TabularInline):
    model = FormAttachment
    extra = 1
    fields = ["service", "frequency"]


class VersionInline(admin.TabularInline):
    model = FormVersion
    extra = 0
    can_delete = False
    fields = ["number", "published_at", "published_by"]
    readonly_fields = fields

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Form)
class FormAdmin(ClinicModelAdmin):
    list_display = ["name", "ask_when", "holds_health_data", "active"]
    fields = [
        "name",
        ("title_en", "title_es"),
        "text_en",
        "text_es",
        ("ask_when", "holds_health_data", "active"),
    ]
    inlines = [QuestionInline, AttachmentInline, VersionInline]

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        version = version_publish(form.instance, by=request.user)
        if version is not None:
            messages.info(
                request,
                f"Published version {version.number}: clients answer it from now on; "
                "earlier answers keep the version they were given to.",
            )
