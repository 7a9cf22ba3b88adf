"""`{% load clinic_time %}` and `{{ appointment.start|wall_time }}`: see therapists.clinic_time."""

from django import template

from therapists import clinic_time

register = template.Library()


@register.filter
def wall_time(value, zone: str = "") -> str:
    """Wall time in the clinic's zone, with EDT/EST when it is ambiguous (or `:"always"`)."""
    if not value:
        return ""
    return clinic_time.wall_time(value, zone)
