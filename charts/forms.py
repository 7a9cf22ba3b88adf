"""Forms of the chart. They describe shape; `charts.services` has the final say."""

from django import forms

from charts.models import ADDENDUM_MAX_LENGTH, RESPONSE_MAX_LENGTH, ChartNote, Technique
from charts.services import RegionWork
from health import body_regions
from health.models import Pressure

BLANK = [("", "—")]
EXTRA_ROWS = 2
MIN_ROWS = 3


class ChartNoteForm(forms.ModelForm):
    """The four SOAP parts and the overall pressure."""

    class Meta:
        model = ChartNote
        fields = ["subjective", "objective", "assessment", "plan", "pressure_used"]
        widgets = {
            "subjective": forms.Textarea(attrs={"rows": 2}),
            "objective": forms.Textarea(attrs={"rows": 2}),
            "assessment": forms.Textarea(attrs={"rows": 2}),
            "plan": forms.Textarea(attrs={"rows": 2}),
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["pressure_used"].choices = BLANK + list(Pressure.choices)
        for name in ("subjective", "objective", "assessment", "plan"):
            self.fields[name].widget.attrs["maxlength"] = self.fields[name].max_length


class RegionEntryForm(forms.Form):
    """One region worked: a row left without a region is ignored."""

    region = forms.ChoiceField(choices=BLANK + list(body_regions.CHOICES), required=False)
    technique = forms.ChoiceField(choices=BLANK + list(Technique.choices), required=False)
    pressure = forms.ChoiceField(choices=BLANK + list(Pressure.choices), required=False)
    client_response = forms.CharField(
        label="Response on this region", max_length=RESPONSE_MAX_LENGTH, required=False
    )

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("region"):
            if not cleaned.get("technique"):
                self.add_error("technique", "Please choose the technique used on this region.")
            if not cleaned.get("pressure"):
                self.add_error("pressure", "Please choose the pressure used on this region.")
        return cleaned


class BaseRegionFormSet(forms.BaseFormSet):
    def clean(self):
        super().clean()
        if any(self.errors):
            return
        regions = [f.cleaned_data.get("region") for f in self.forms if f.cleaned_data]
        regions = [r for r in regions if r]
        if len(regions) != len(set(regions)):
            raise forms.ValidationError("Each region once, please: one row per region.")

    def entries(self) -> list[RegionWork]:
        return [
            RegionWork(
                region=f.cleaned_data["region"],
                technique=f.cleaned_data["technique"],
                pressure=f.cleaned_data["pressure"],
                client_response=f.cleaned_data.get("client_response", ""),
            )
            for f in self.forms
            if f.cleaned_data and f.cleaned_data.get("region")
        ]


RegionFormSet = forms.formset_factory(
    RegionEntryForm, formset=BaseRegionFormSet, extra=0, max_num=len(body_regions.REGIONS)
)


def region_formset(note: ChartNote | None = None, data=None) -> BaseRegionFormSet:
    """The note's entries plus a few empty rows (a phone has no "add row" without JS)."""
    initial = []
    if note is not None:
        initial = [
            {
                "region": e.region,
                "technique": e.technique,
                "pressure": e.pressure,
                "client_response": e.client_response,
            }
            for e in note.entries.all()
        ]
    rows = max(MIN_ROWS, len(initial) + EXTRA_ROWS)
    initial += [{}] * (rows - len(initial))
    return RegionFormSet(data, initial=None if data is not None else initial, prefix="regions")


class AddendumForm(forms.Form):
    text = forms.CharField(
        label="Addendum",
        max_length=ADDENDUM_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="A correction or addition. The signed note itself stays as it was.",
    )
