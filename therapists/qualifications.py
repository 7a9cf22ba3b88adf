"""The one credential rule: who may walk on a client's back, in which style, on which day.

Walking on someone's back done wrongly injures them, so the clinic requires a current,
verified massage licence *and* a verified certification for the style (floor or bar) on the
day itself (SPEC rule 1); a credential that expires mid-window still counts up to and
including its expiry date. Every entry point asks this module: the slot computation (through
plain `CredentialSpan`s, so `bookings.availability` stays free of the ORM), the therapist
pages and the API (styles on a date), the admin ("may perform today", expiring credentials)
and the managers' weekly e-mail.
"""

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from django.db.models import Q, QuerySet

from therapists.models import Credential, CredentialKind

MASSAGE_LICENCE = CredentialKind.MASSAGE_LICENCE.value
# How far ahead the admin and the weekly e-mail look for credentials about to lapse.
EXPIRING_WITHIN_DAYS = 30


@dataclass(frozen=True, slots=True)
class CredentialSpan:
    """A verified credential as plain data. `valid_until` is inclusive (None: no expiry)."""

    kind: str
    valid_from: dt.date
    valid_until: dt.date | None

    def covers(self, day: dt.date) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)


def span_of(credential: Credential) -> CredentialSpan:
    """The plain span of a credential the caller already knows to be verified."""
    return CredentialSpan(credential.kind, credential.issued_on, credential.expires_on)


# --- The rule, on plain data -----------------------------------------------------------------


def qualifies(
    credentials: Sequence[CredentialSpan], required_credential: str, day: dt.date
) -> bool:
    """Whether verified `credentials` let a therapist give a style needing
    `required_credential` on `day`: that certification and a massage licence, both in force."""

    def covered(kind: str) -> bool:
        return any(c.kind == kind and c.covers(day) for c in credentials)

    return covered(required_credential) and covered(MASSAGE_LICENCE)


def licensed_on(credentials: Sequence[CredentialSpan], day: dt.date) -> bool:
    """Whether a massage licence is in force on `day` (no style without one)."""
    return any(c.kind == MASSAGE_LICENCE and c.covers(day) for c in credentials)


def styles_on[S](
    credentials: Sequence[CredentialSpan], day: dt.date, styles: Mapping[S, str]
) -> list[S]:
    """Of `styles` ({style: required credential}, in display order), those the credentials
    qualify for on `day`. Styles are the booking engine's data (`bookings.Style`), so the
    caller passes them in."""
    return [style for style, required in styles.items() if qualifies(credentials, required, day)]


# --- The rule, from the database -------------------------------------------------------------


def valid_credentials(day: dt.date) -> QuerySet[Credential]:
    """Verified credentials in force on `day` (a superset of what qualifies: the licence and
    the certification must both be in force)."""
    return Credential.objects.valid_on(day)


def spans_by_therapist(
    therapist_ids: Iterable[int], day: dt.date
) -> dict[int, list[CredentialSpan]]:
    """The verified credentials in force on `day` of each therapist, as spans (one query)."""
    spans: dict[int, list[CredentialSpan]] = defaultdict(list)
    for credential in valid_credentials(day).filter(therapist_id__in=list(therapist_ids)):
        spans[credential.therapist_id].append(span_of(credential))
    return spans


@dataclass
class Expiring:
    """A verified credential that lapses soon, and the verified renewal on file, if any."""

    credential: Credential
    renewal: Credential | None
    held: list[Credential]  # every verified credential of the same therapist


def expiring_credentials(*, today: dt.date, days: int = EXPIRING_WITHIN_DAYS) -> list[Expiring]:
    """Verified credentials expiring from `today` to `today + days`, soonest first, each with
    its renewal (a verified credential of the same kind lasting longer). Two queries."""
    expiring = list(
        Credential.objects.verified()
        .filter(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days))
        .select_related("therapist", "verified_by")
        .order_by("expires_on", "therapist__display_name", "pk")
    )
    if not expiring:
        return []
    held: dict[int, list[Credential]] = defaultdict(list)
    for credential in Credential.objects.verified().filter(
        therapist_id__in={c.therapist_id for c in expiring}
    ):
        held[credential.therapist_id].append(credential)
    return [
        Expiring(c, renewal=_renewal(c, held[c.therapist_id]), held=held[c.therapist_id])
        for c in expiring
    ]


def expiring_filter(today: dt.date, days: int = EXPIRING_WITHIN_DAYS) -> Q:
    """Credentials (verified or not) that expire within `days` of `today`."""
    return Q(expires_on__gte=today, expires_on__lte=today + dt.timedelta(days=days))


def _renewal(credential: Credential, held: list[Credential]) -> Credential | None:
    later = [
        c
        for c in held
        if c.pk != credential.pk
        and c.kind == credential.kind
        and (c.expires_on is None or c.expires_on > credential.expires_on)
    ]
    return max(later, key=lambda c: c.expires_on or dt.date.max, default=None)
