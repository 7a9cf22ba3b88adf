"""Values every page needs: the clinic's name and how to reach it."""

from django.conf import settings
from django.http import HttpRequest


def clinic(request: HttpRequest) -> dict:
    return {
        "clinic_name": settings.CLINIC_NAME,
        "clinic_phone": settings.CLINIC_PHONE,
        "clinic_email": settings.CLINIC_EMAIL,
    }
