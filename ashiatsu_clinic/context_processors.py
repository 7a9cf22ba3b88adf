"""Values every page needs: the clinic's name and how to reach it."""

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_phone_href": "tel:"
        + "".join(ch for ch in settings.CLINIC_PHONE if ch in "+0123456789"),
        "clinic_email": settings.CLINIC_EMAIL,
        "clinic_address": settings.CLINIC_ADDRESS,
    }
