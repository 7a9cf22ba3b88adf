"""Start-up check: texts configured means a usable sending identity.

(A half-set TWILIO_* configuration already refuses to start in settings, in one line.)
"""

from django.conf import settings
from django.core import checks


@checks.register()
def twilio_from(app_configs, **kwargs):
    sender = settings.TWILIO_FROM
    if not settings.TEXTS_ENABLED or sender.startswith(("+", "MG")):
        return []
    return [
        checks.Error(
            "TWILIO_FROM must be a number in E.164 (+15551234567) or a Messaging Service SID "
            "(MG...).",
            id="texts.E001",
        )
    ]
