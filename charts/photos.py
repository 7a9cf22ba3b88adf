"""Chart photos: taken on the therapist's phone, checked, sealed, read under the chart's rule.

- **Adding** (`photo_add`): the session's own therapist, while its chart may be written
  (the session has started, was not cancelled or missed) and is not signed: a signed chart
  is read-only, photos included. The upload is checked by its bytes, never its name or
  declared type: a JPEG or PNG that Pillow can parse, at most `CHARTS_PHOTO_MAX_BYTES`.
- **Storing**: sealed with AES-GCM (`outbox.sealing`, purpose `charts.photo`) under
  `CHARTS_PHOTOS_ROOT`, a private folder no URL serves; a disk copy or backup shows nothing.
- **Reading** (`photo_read`): the chart's rule (`charts.privacy.may_read_chart`: the clinic
  manager and the session's own therapist), every read logged as a `ChartAccess` first;
  anyone else gets PermissionDenied (403). Photos never go into e-mails.
- **Erasure**: a client's erasure deletes their sessions' photos (`photos_erase`).
"""

import io
import secrets

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.utils import timezone
from PIL import Image, UnidentifiedImageError

from bookings.models import Appointment
from charts.models import ChartNote, ChartPhoto
from charts.privacy import log_chart_reads, may_read_chart
from charts.services import NOT_CHARTABLE, ChartError
from outbox.sealing import open_bytes, seal_bytes

SEAL_PURPOSE = "charts.photo"
TYPES = {"JPEG": "image/jpeg", "PNG": "image/png"}
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}
MAX_PIXELS = 40_000_000  # a 48-megapixel phone photo is 8000 x 6000; beyond: refused


class PrivateStorage(FileSystemStorage):
    def url(self, name):
        raise ValueError("Chart photos have no public URL; link the photo view instead.")


def photo_storage() -> PrivateStorage:
    return PrivateStorage(location=settings.CHARTS_PHOTOS_ROOT)


def max_bytes() -> int:
    """The photo limit: CHARTS_PHOTO_MAX_BYTES, never over what any upload may carry."""
    return min(settings.CHARTS_PHOTO_MAX_BYTES, settings.FILE_UPLOAD_MAX_BYTES)


def max_megabytes() -> str:
    return f"{max_bytes() / 1_048_576:g}"


def photo_check(upload) -> tuple[bytes, str]:
    """The photo's bytes and type, or ChartError saying what is wrong with it."""
    limit = max_bytes()
    if upload.size > limit:
        raise ChartError(
            f"The photo is too large ({upload.size / 1_048_576:.1f} MB); the limit is "
            f"{max_megabytes()} MB."
        )
    data = upload.read(limit + 1)
    if not data:
        raise ChartError("The photo file is empty.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            found, (width, height) = image.format, image.size
            if width * height > MAX_PIXELS:
                raise ChartError("The photo has too many pixels; take it at a lower resolution.")
            image.verify()
    except (UnidentifiedImageError, Image.DecompressionBombError, OSError, SyntaxError, ValueError):
        found = None
    if found not in TYPES:
        raise ChartError(
            "The photo must be a JPEG or PNG image; this file is neither (its content was "
            "checked, not its name)."
        )
    return data, TYPES[found]


def _refusal(user, appointment: Appointment) -> str | None:
    therapist = getattr(user, "therapist", None)
    if therapist is None or therapist.pk != appointment.therapist_id:
        return "Only the session's own therapist adds photos to its chart."
    if appointment.status in NOT_CHARTABLE:
        return f"A session that is {appointment.get_status_display().lower()} has no chart."
    if timezone.now() < appointment.start:
        return "You can add photos once the session has started."
    if ChartNote.objects.filter(appointment=appointment, signed_at__isnull=False).exists():
        return "The chart is signed and read-only: describe any later photo in an addendum."
    return None


def photo_add(*, appointment: Appointment, user, upload) -> ChartPhoto:
    """Check, seal and keep a photo for the session's chart."""
    if problem := _refusal(user, appointment):
        raise ChartError(problem)
    data, kind = photo_check(upload)
    storage = photo_storage()
    name = storage.save(
        f"{secrets.token_hex(16)}.sealed", ContentFile(seal_bytes(data, purpose=SEAL_PURPOSE))
    )
    try:
        with transaction.atomic():
            return ChartPhoto.objects.create(
                appointment=appointment,
                uploaded_by=user,
                file=name,
                content_type=kind,
                size=len(data),
            )
    except Exception:
        storage.delete(name)
        raise


def photo_read(*, photo: ChartPhoto, user, where: str) -> tuple[bytes, str]:
    """The photo's bytes and type, the read logged; PermissionDenied for anyone else."""
    if not may_read_chart(user, photo.appointment):
        raise PermissionDenied("You may not see this client's chart photos.")
    try:
        with photo_storage().open(photo.file, "rb") as handle:
            sealed = handle.read()
    except FileNotFoundError as missing:
        raise LookupError("The photo's file is missing.") from missing
    data = open_bytes(sealed, purpose=SEAL_PURPOSE)
    log_chart_reads(user=user, appointment_ids=[photo.appointment_id], where=f"{where} {photo.pk}")
    return data, photo.content_type


def photo_filename(photo: ChartPhoto) -> str:
    return f"chart-photo-{photo.pk}.{EXTENSIONS.get(photo.content_type, 'bin')}"


def photos_erase(appointment_ids) -> int:
    """Delete the photos of these sessions: rows now, sealed files once the erasure commits."""
    photos = ChartPhoto.objects.filter(appointment_id__in=appointment_ids)
    names = list(photos.values_list("file", flat=True))
    count, _ = photos.delete()
    storage = photo_storage()
    transaction.on_commit(lambda: [storage.delete(name) for name in names])
    return count


def on_appointments_erased(*, appointment_ids, **_signal_kwargs) -> int:
    """`bookings.privacy.appointments_erased`: a client's erasure takes their photos."""
    return photos_erase(appointment_ids)


def on_retention_due(*, cutoff, **_signal_kwargs) -> dict[str, int]:
    """`bookings.privacy.retention_due`: photos of sessions that ended before `cutoff` go."""
    old = Appointment.objects.filter(end__lt=cutoff).values_list("pk", flat=True)
    return {"chart photos": photos_erase(list(old))}
