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


@register.filter
def clock(value, zone: str = "") -> str:
    """Client-facing time in the active language's clock ("10:00 AM" for en-US)."""
    if not value:
        return ""
    return clinic_time.clock(value, zone)


@register.simple_tag
def clinic_zone(moment=None) -> str:
    """ "New York time (EST)": named on every page that shows a client a time."""
    return clinic_time.zone_name(moment or None)
