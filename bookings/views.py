"""Public pages."""

from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from bookings.models import Service, Style


def home(request: HttpRequest) -> HttpResponse:
    """Explain the two styles, who should not book, and what each service costs."""
    styles = Style.objects.prefetch_related(
        Prefetch("services", queryset=Service.objects.filter(active=True))
    )
    return render(request, "bookings/home.html", {"styles": styles})
