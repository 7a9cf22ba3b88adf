"""Forms of the staff pages in the admin. They describe shape; `bookings.services` decides.

Times are entered as a local date and a quarter-hour wall time in the clinic's zone (a phone
call is about "Tuesday at ten", never about UTC); `start()` turns them into an aware instant.
"""

import datetime as dt

from django import forms
from django.contrib.admin.widgets import AutocompleteSelect

from bookings.models import Service, TreatmentPlan
from clients.models import Client
from core.clock import clinic_tz
from therapists.clinic_time import DayField
from therapists.models import Therapist

# Quarter hours from 06:00 to 21:45: the clinic's day, well clear of the small hours in which
# daylight-saving changes make some wall times ambiguous or non-existent.
FIRST_HOUR, LAST_HOUR = 6, 22
TIME_CHOICES = [
    (f"{hour:02d}:{minute:02d}", f"{hour:02d}:{minute:02d}")
    for hour in range(FIRST_HOUR, LAST_HOUR)
    for minute in (0, 15, 30, 45)
]


def local_start(day: dt.date, wall_time: str) -> dt.datetime:
    """An aware datetime for a date and an "HH:MM" wall time in the clinic's zone."""
    hour, minute = (int(part) for part in wall_time.split(":"))
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=clinic_tz())


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self, attrs=None):
        super().__init__(attrs, format="%Y-%m-%d")


def _date_field(label: str = "Date") -> forms.DateField:
    return DayField(label=label, widget=DateInput())


def _time_field(label: str = "Time") -> forms.ChoiceField:
    return forms.ChoiceField(
        label=label, choices=TIME_CHOICES, help_text="Clinic time; sessions start on the quarter."
    )


class TherapistChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Therapist) -> str:
        return obj.display_name


class ServiceChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Service) -> str:
        return obj.name


class _StartMixin:
    cleaned_data: dict

    def start(self) -> dt.datetime:
        return local_start(self.cleaned_data["date"], self.cleaned_data["time"])


class AppointmentBookForm(_StartMixin, forms.Form):
    """What to book and when; the client's details and intake are separate forms."""

    service = ServiceChoiceField(
        queryset=Service.objects.filter(active=True).order_by("style__name", "duration_minutes"),
        empty_label=None,
    )
    therapist = TherapistChoiceField(
        queryset=Therapist.objects.filter(active=True),
        required=False,
        empty_label="Any qualified therapist",
    )
    date = _date_field()
    time = _time_field()


class AppointmentMoveForm(_StartMixin, forms.Form):
    """A new time (and optionally another therapist) for an existing booking."""

    date = _date_field("New date")
    time = _time_field("New time")
    therapist = TherapistChoiceField(
        queryset=Therapist.objects.filter(active=True),
        required=False,
        empty_label="Same therapist",
        label="Therapist",
    )


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 3, "cols": 60}),
        help_text="Kept in the appointment's history.",
    )


class ReviewForm(forms.Form):
    """The manager's note on an intake review; the client reads it when a booking is declined."""

    note = forms.CharField(
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "cols": 50}),
    )

    def __init__(self, *args, note_required: bool = False, **kwargs):
        super().__init__(*args, **kwargs)
        self.note_required = note_required

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].strip()
        if self.note_required and not note:
            raise forms.ValidationError(
                "Write a short note for the client: it explains why the session cannot go ahead."
            )
        return note


class ScheduleDateForm(forms.Form):
    """The day (or week) the schedule shows; outside 2000-2100 is certainly a typo."""

    date = _date_field("Go to")

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if not 2000 <= day.year <= 2100:
            raise forms.ValidationError("Choose a date between 2000 and 2100.")
        return day


class SeriesForm(_StartMixin, forms.Form):
    """A treatment plan: whom, what, with whom, the first session, and the rhythm. The bounds
    are `bookings.series`'s (2-12 sessions, every 1-8 weeks); the service decides the rest."""

    client = forms.ModelChoiceField(
        queryset=Client.objects.filter(merged_into=None),
        label="Client record",
        help_text="Search by name, e-mail or phone. Every session joins this record.",
    )
    service = ServiceChoiceField(
        queryset=Service.objects.filter(active=True).order_by("style__name", "duration_minutes"),
        empty_label=None,
    )
    therapist = TherapistChoiceField(
        queryset=Therapist.objects.filter(active=True),
        help_text="The same therapist for every session.",
    )
    date = _date_field("First session")
    time = _time_field()
    interval_weeks = forms.TypedChoiceField(
        label="Every",
        coerce=int,
        choices=[(k, f"{k} week{'s' if k > 1 else ''}") for k in range(1, 9)],
    )
    sessions = forms.TypedChoiceField(
        label="Sessions in all", coerce=int, choices=[(n, str(n)) for n in range(2, 13)]
    )

    def __init__(self, *args, admin_site=None, **kwargs):
        super().__init__(*args, **kwargs)
        if admin_site is not None:
            field = self.fields["client"]
            field.widget = AutocompleteSelect(TreatmentPlan._meta.get_field("client"), admin_site)
            field.widget.choices = field.choices  # as the field does for its own widget
