"""The import page's form: what is imported, from which system, the file, a mapping file."""

from django import forms

from imports import columns
from imports.models import Kind

SOURCE_CHOICES = [
    ("clinic", "Our own column names (docs/import.md)"),
    ("jane", "Jane"),
    ("mindbody", "Mindbody"),
    ("square", "Square"),
    ("other", "Another system (give a mapping file)"),
]


class ImportForm(forms.Form):
    kind = forms.ChoiceField(label="What to import", choices=Kind.choices)
    source = forms.ChoiceField(label="Exported from", choices=SOURCE_CHOICES)
    file = forms.FileField(label="CSV file", help_text="UTF-8 CSV, the export's header row first.")
    mapping = forms.FileField(
        label="Mapping file",
        required=False,
        help_text='Optional JSON: {"email": "Their e-mail column", ...} (docs/import.md).',
    )

    def clean(self):
        data = super().clean()
        if data.get("source") == "other" and not data.get("mapping"):
            self.add_error("mapping", "A file from another system needs a mapping file.")
        return data

    def mapping_text(self) -> str | None:
        upload = self.cleaned_data.get("mapping")
        if not upload:
            return None
        if upload.size > 64 * 1024:
            raise columns.MappingError("The mapping file is over 64 KB; it maps column names only.")
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError:
            raise columns.MappingError("The mapping file is not UTF-8 text.") from None
