"""Is a client's last intake still good enough to start from? (issue #13)

A returning client may start from their last answers and confirm or change each one, but the
whole questionnaire is answered afresh at least once a year (`INTAKE_REANSWER_DAYS`, 365 by
default: backs, medicines and pregnancies change) and whenever the questionnaire itself
changed (`questionnaires.QUESTIONNAIRE_VERSION`: old answers do not answer new questions). The
one rule: the booking form's pre-fill and the re-confirmation link both ask it.
"""

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.utils import timezone

from health import questionnaires
from health.models import Intake

CURRENT = ""
OUTDATED_VERSION = "outdated_version"
TOO_OLD = "too_old"

WHY = {
    OUTDATED_VERSION: "Our health questions have changed since you last answered them, so "
    "please answer them all again.",
    TOO_OLD: "You last answered our health questions more than a year ago, so please answer "
    "them all again: we ask everyone at least once a year.",
}


@dataclass(frozen=True)
class Currency:
    reason: str  # CURRENT, OUTDATED_VERSION or TOO_OLD

    @property
    def is_current(self) -> bool:
        return self.reason == CURRENT

    @property
    def why(self) -> str:
        """What the page tells the client when they must answer everything again."""
        return WHY.get(self.reason, "")


def intake_currency(intake: Intake | None, *, now: dt.datetime | None = None) -> Currency:
    """Whether `intake` may be the starting point ("confirm or change") or the client must
    answer the full questionnaire again. The age counts from when the answers were given."""
    if intake is None:
        return Currency(TOO_OLD)
    if intake.questionnaire_version != questionnaires.QUESTIONNAIRE_VERSION:
        return Currency(OUTDATED_VERSION)
    now = now or timezone.now()
    if now - intake.created_at > dt.timedelta(days=settings.INTAKE_REANSWER_DAYS):
        return Currency(TOO_OLD)
    return Currency(CURRENT)
