"""Answers on the client record: saving them, and who may read them (logged).

- **Saving** (`response_save`): one `FormResponse` per version answered, on the booking's
  client record; a signed form is sealed at once (`signing.response_seal`).
- **Reading**: answers to a form that holds health data follow the intake's rule for a
  record (the clinic manager, `health.view_full_intake`, or a therapist treating the
  client, `bookings.treating.treats_client`), and every read writes a `FormResponseAccess`
  first. Other forms' answers are for staff who may see client records.
- **Erasure and export** follow the client's (signal receivers, `clinic_forms.apps`).
"""

from collections.abc import Iterable

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from bookings.models import Appointment
from bookings.treating import treats_client
from clients.models import Client
from clinic_forms.models import FormResponse, FormResponseAccess, FormVersion
from clinic_forms.signing import pdf_storage, response_rows, response_seal
from core.clock import clinic_today

HEALTH_PERMISSION = "health.view_full_intake"
STAFF_PERMISSION = "clinic_forms.view_formresponse"


def response_save(
    *,
    version: FormVersion,
    client: Client,
    answers: dict,
    language: str,
    appointment: Appointment | None = None,
    signed_name: str = "",
) -> FormResponse:
    """Keep a client's answers to a version; a signed form gets its digest, PDF and e-mail."""
    with transaction.atomic():
        response = FormResponse.objects.create(
            version=version,
            client=client,
            appointment=appointment,
            language=language if language in ("en", "es") else "en",
            answers=answers,
            signed_name=signed_name if version.is_signed else "",
            signed_on=clinic_today() if version.is_signed else None,
            content_sha256="0" * 64 if version.is_signed else "",  # set by response_seal
        )
        if version.is_signed:
            response_seal(response)
    return response


def may_read_response(user, response: FormResponse) -> bool:
    if not user.is_authenticated:
        return False
    if response.version.form.holds_health_data:
        return user.has_perm(HEALTH_PERMISSION) or treats_client(user, response.client_id)
    return user.is_staff and user.has_perm(STAFF_PERMISSION) or user.has_perm(HEALTH_PERMISSION)


def log_reads(*, user, responses: Iterable[FormResponse], where: str) -> None:
    FormResponseAccess.objects.bulk_create(
        FormResponseAccess(response=r, user=user if user else None, where=where[:100])
        for r in responses
        if r.version.form.holds_health_data
    )


def read_response(*, user, response: FormResponse, where: str) -> list[tuple[str, str]]:
    """The answers with their own version's questions, for a reader who may (logged)."""
    if not may_read_response(user, response):
        raise PermissionDenied("You may not read this client's answers.")
    log_reads(user=user, responses=[response], where=where)
    return response_rows(response)


def client_responses(client: Client):
    return (
        FormResponse.objects.filter(client=client, erased_at__isnull=True)
        .select_related("version__form")
        .order_by("-submitted_at")
    )


# --- Erasure and export (bookings.privacy's signals) ----------------------------------------


def _clients_of(appointment_ids) -> list[int]:
    return list(
        Appointment.objects.filter(pk__in=appointment_ids)
        .values_list("client_id", flat=True)
        .distinct()
    )


def erase_responses(*, appointment_ids: list[int], **_signal_kwargs) -> int:
    """A client's erasure reaches their answers: emptied, the sealed PDFs deleted after
    commit; the rows stay (that a form was answered, when) marked `erased_at`."""
    return _erase(
        FormResponse.objects.filter(
            client_id__in=_clients_of(appointment_ids), erased_at__isnull=True
        )
    )


def _erase(rows) -> int:
    names = [n for n in rows.values_list("pdf_file", flat=True) if n]
    count = 0
    for response in rows:
        response.answers, response.signed_name, response.pdf_file = {}, "", ""
        response.erased_at = timezone.now()
        response.save(update_fields=["answers", "signed_name", "pdf_file", "erased_at"])
        count += 1
    storage = pdf_storage()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return count


def on_retention_due(*, cutoff, **_signal_kwargs) -> dict[str, int]:
    """Answers given before `cutoff` go the way of old intakes."""
    old = FormResponse.objects.filter(submitted_at__lt=cutoff, erased_at__isnull=True)
    return {"form answers": _erase(old)}


def export_responses(
    *, appointment_ids: list[int], user, where: str = "export", **_signal_kwargs
) -> dict:
    rows = list(
        FormResponse.objects.filter(
            client_id__in=_clients_of(appointment_ids), erased_at__isnull=True
        ).select_related("version__form")
    )
    log_reads(user=user, responses=rows, where=where)
    return {
        "forms": [
            {
                "form": r.version.content["title"]["en"],
                "version": r.version.number,
                "submitted_at": r.submitted_at.isoformat(),
                "answers": [{"question": q, "answer": a} for q, a in response_rows(r)],
                "signed_name": r.signed_name,
                "content_sha256": r.content_sha256,
            }
            for r in rows
        ]
    }
