"""Changes to therapists' records that carry a rule."""

import datetime as dt
from collections.abc import Iterable

from django.contrib.auth.models import AbstractBaseUser
from django.utils import timezone

from therapists.models import Credential


def credentials_verify(
    *, credentials: Iterable[Credential], actor: AbstractBaseUser, now: dt.datetime | None = None
) -> list[Credential]:
    """Record that clinic staff checked these credentials with their issuers (who and when).

    A credential counts for booking only once verified (SPEC rule 1). Each is marked with a
    conditional UPDATE, so two managers verifying at once record one verification; returns
    the credentials this call verified (already verified ones are left as they were)."""
    now = now or timezone.now()
    verified = []
    for credential in credentials:
        updated = Credential.objects.filter(pk=credential.pk, verified_at__isnull=True).update(
            verified_at=now, verified_by=actor
        )
        if updated:
            credential.verified_at, credential.verified_by = now, actor
            verified.append(credential)
    return verified
