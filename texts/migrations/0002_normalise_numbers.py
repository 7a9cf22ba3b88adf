"""Every existing client's number in E.164, or kept as typed and flagged for staff.

Nobody has chosen texts yet, so each row starts as "e-mail only"; the numbers are ready
for the day they do. Written out here (not core.phones): a migration runs no live code.
"""

import phonenumbers
from django.conf import settings
from django.db import migrations

UNREADABLE = "Not a valid phone number for the clinic's region; kept as typed."
NOT_MOBILE = "Not a mobile number: texts cannot be sent to it."
TEXTABLE = {
    phonenumbers.PhoneNumberType.MOBILE,
    phonenumbers.PhoneNumberType.FIXED_LINE_OR_MOBILE,
    phonenumbers.PhoneNumberType.PERSONAL_NUMBER,
}


def _normalise(typed: str, region: str) -> tuple[str, str]:
    try:
        number = phonenumbers.parse((typed or "").strip(), region)
    except phonenumbers.NumberParseException:
        return "", UNREADABLE
    if not phonenumbers.is_valid_number(number):
        return "", UNREADABLE
    e164 = phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164)
    return e164, "" if phonenumbers.number_type(number) in TEXTABLE else NOT_MOBILE


def normalise(apps, schema_editor):
    Client = apps.get_model("clients", "Client")
    ClientTexts = apps.get_model("texts", "ClientTexts")
    region = getattr(settings, "CLINIC_PHONE_REGION", "US") or "US"
    known = set(ClientTexts.objects.values_list("client_id", flat=True))
    rows = []
    for client_id, typed in Client.objects.values_list("pk", "phone").iterator():
        if client_id in known:
            continue
        number, problem = _normalise(typed, region)
        rows.append(
            ClientTexts(client_id=client_id, number=number, typed=typed[:40], problem=problem)
        )
    ClientTexts.objects.bulk_create(rows, batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("texts", "0001_initial")]

    operations = [migrations.RunPython(normalise, migrations.RunPython.noop)]
