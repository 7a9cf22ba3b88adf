"""The calendar as a list, for the keyboard and screen readers: a day's sessions, each with
a form to move it, and a form to book a slot. The same actions as the calendar's drag and
click (`desk_calendar.actions`), with plain forms and messages instead of a script.
"""

import datetime as dt

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods, require_POST

from bookings.models import Room, Service
from bookings.services import BookingError
from core.clock import clinic_today, clinic_tz
from desk_calendar import actions, feed
from desk_calendar.access import desk_page
from therapists.models import Therapist


class DayForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))

    def clean_date(self) -> dt.date:
        day = self.cleaned_data["date"]
        if not 2000 <= day.year <= 2100:
            raise forms.ValidationError("Choose a date between 2000 and 2100.")
        return day


class _WhenForm(forms.Form):
    date = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    time = forms.TimeField(widget=forms.TimeInput(attrs={"type": "time", "step": 900}))

    def start(self) -> str:
        day, time = self.cleaned_data["date"], self.cleaned_data["time"]
        return f"{day.isoformat()}T{time:%H:%M}"


class MoveForm(_WhenForm):
    session = forms.IntegerField(widget=forms.HiddenInput, min_value=1, max_value=2**31 - 1)
    therapist = forms.ModelChoiceField(
        Therapist.objects.filter(active=True).order_by("display_name"),
        required=False,
        empty_label="The same therapist",
    )
    room = forms.ModelChoiceField(
        Room.objects.filter(active=True).order_by("name"),
        required=False,
        empty_label="Any free room",
    )


class BookForm(_WhenForm):
    therapist = forms.ModelChoiceField(
        Therapist.objects.filter(active=True).order_by("display_name")
    )
    service = forms.ModelChoiceField(
        Service.objects.filter(active=True).select_related("style").order_by("name")
    )
    client = forms.CharField(
        max_length=100,
        help_text="The client's name or e-mail address (a client whose health answers are "
        "current; others are booked with the full booking form).",
    )
    unchanged = forms.BooleanField(
        label="The client confirms their health has not changed since they last answered."
    )


def _list_url(day: dt.date) -> str:
    return f"{reverse('desk_calendar:list')}?date={day.isoformat()}"


@desk_page
@require_http_methods(["GET"])
def day_list(request: HttpRequest) -> HttpResponse:
    """A day's sessions in time order, each with its move form, and the booking form."""
    form = DayForm(request.GET or None)
    day = form.cleaned_data["date"] if form.is_valid() else clinic_today()
    tz = clinic_tz()
    window = feed.Window(day, 1)
    rows = [
        (
            appointment,
            feed.flags(appointment),
            MoveForm(
                prefix=f"m{appointment.pk}",
                initial={
                    "session": appointment.pk,
                    "date": day,
                    "time": appointment.start.astimezone(tz).time(),
                },
            ),
        )
        for appointment in feed.sessions(window, tz)
    ]
    return render(
        request,
        "desk_calendar/list.html",
        {
            **admin.site.each_context(request),
            "is_nav_sidebar_enabled": False,  # the calendar needs the page's width
            "title": f"Calendar list: {day:%A %d %B %Y}",
            "day": day,
            "previous": _list_url(day - dt.timedelta(days=1)),
            "next": _list_url(day + dt.timedelta(days=1)),
            "day_form": DayForm(initial={"date": day}),
            "rows": rows,
            "book_form": BookForm(initial={"date": day}),
            "now": dt.datetime.now(dt.UTC),
            "clinic_time_zone": settings.CLINIC_TIME_ZONE,
        },
    )


@desk_page
@require_POST
def list_move(request: HttpRequest) -> HttpResponse:
    """Move from the list: the same `booking_reschedule` as a drag."""
    prefix = request.POST.get("prefix", "")
    form = MoveForm(request.POST, prefix=prefix if prefix.startswith("m") else None)
    back = _list_url(clinic_today())
    if not form.is_valid():
        messages.error(request, "Give the new date and time of the session.")
        return HttpResponseRedirect(back)
    back = _list_url(form.cleaned_data["date"])
    target = actions.Column(
        therapist=form.cleaned_data["therapist"], room=form.cleaned_data["room"]
    )
    try:
        appointment = actions.move(
            user=request.user,
            appointment_id=form.cleaned_data["session"],
            start=form.start(),
            resource=target,
            tz=clinic_tz(),
        )
    except (feed.FeedError, BookingError) as error:
        messages.error(request, f"Not moved: {getattr(error, 'message', error)}")
        return HttpResponseRedirect(back)
    messages.success(
        request,
        f"Moved {appointment.reference} to "
        f"{appointment.start.astimezone(clinic_tz()):%A %d %B, %H:%M} with "
        f"{appointment.therapist.display_name}. The client has been told.",
    )
    return HttpResponseRedirect(back)


@desk_page
@require_POST
def list_book(request: HttpRequest) -> HttpResponse:
    """Book from the list: the same `booking_create` as a click on an empty slot."""
    form = BookForm(request.POST)
    if not form.is_valid():
        messages.error(request, "Give the therapist, service, date, time and client.")
        return HttpResponseRedirect(_list_url(clinic_today()))
    back = _list_url(form.cleaned_data["date"])
    found = actions.bookable_clients(form.cleaned_data["client"], limit=2)
    if len(found) != 1:
        messages.error(
            request,
            "No client with current health answers matches; use the full booking form."
            if not found
            else "Several clients match: type the client's e-mail address.",
        )
        return HttpResponseRedirect(back)
    try:
        result = actions.book(
            user=request.user,
            client_id=found[0].pk,
            service_id=form.cleaned_data["service"].pk,
            resource=feed.therapist_resource(form.cleaned_data["therapist"].pk),
            start=form.start(),
            tz=clinic_tz(),
        )
    except (feed.FeedError, BookingError) as error:
        messages.error(request, f"Not booked: {getattr(error, 'message', error)}")
        return HttpResponseRedirect(back)
    messages.success(
        request,
        f"Booked {result.appointment.reference}: {result.appointment.client.name} with "
        f"{result.appointment.therapist.display_name}.",
    )
    return HttpResponseRedirect(back)
