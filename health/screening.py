"""Screening a back-health intake: are the answers complete, and may the session happen?

Walking on a back with the therapist's whole weight is unsafe for some people; the rules
that say so are data, versioned (`health.questionnaires`), and an intake is judged by the
version it was answered under, so a later change of rules never rewrites what a client was
told. Reasons stay in English as the clinic's record; pages translate them when shown.

Pure: answers in, outcome and plain-language reasons out. Forms call it to show messages;
`bookings.services` calls it again and decides.
"""

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.formats import date_format
from django.utils.translation import gettext

from health import body_regions
from health.questionnaires import (
    BOOL,
    CHOICE,
    CLEAR,
    DATE,
    DECLINED,
    EARLIEST_YEAR,
    MUST_BE_TRUE,
    NEEDS_CLEARANCE,
    OUTCOME_SEVERITY,
    QUESTIONNAIRE_VERSION,
    QUESTIONNAIRES,
    REGIONS,
    TEXT,
    TEXT_MAX_LENGTH,
    DatedRule,
    Question,
    Questionnaire,
)


def current_version() -> int:
    """The version new answers are given under (a model field default that follows it)."""
    return QUESTIONNAIRE_VERSION


def questionnaire(version: int = QUESTIONNAIRE_VERSION) -> Questionnaire:
    """The questions and rules an intake of `version` was answered under (stored intakes
    are judged and shown by their own version, never reinterpreted by a newer one)."""
    try:
        return QUESTIONNAIRES[version]
    except KeyError:
        raise InvalidAnswers(
            {"intake": f"Unknown questionnaire version {version!r}."[:200]}
        ) from None


@dataclass(frozen=True)
class Screening:
    version: int
    outcome: str
    reasons: tuple[str, ...]
    effective_pressure: str
    # Declined only by dated answers: the first day a session can be booked (else None).
    bookable_from: dt.date | None = None

    @property
    def is_declined(self) -> bool:
        return self.outcome == DECLINED

    @property
    def needs_clearance(self) -> bool:
        return self.outcome == NEEDS_CLEARANCE

    @property
    def light_pressure_only(self) -> bool:
        return light_pressure_only(effective_pressure=self.effective_pressure, outcome=self.outcome)


def light_pressure_only(*, effective_pressure: str, outcome: str) -> bool:
    """ "Light pressure only": a screening rule capped the pressure (the intake was not
    clear and the pressure is light), as opposed to a client who simply asked for light
    pressure. The one definition: the booking pages, the intake's flags (admin, e-mails)
    and the therapist portal all ask it."""
    return effective_pressure == "light" and outcome != CLEAR


class InvalidAnswers(ValueError):
    """Answers missing or of the wrong shape; `errors` maps question key to a message."""

    def __init__(self, errors: Mapping[str, str]):
        self.errors = dict(errors)
        super().__init__("; ".join(f"{key}: {message}" for key, message in self.errors.items()))


def _storable(text: str) -> bool:
    """Text a database can keep: no NUL byte, no lone surrogate."""
    if "\x00" in text:
        return False
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _regions(value: Any) -> list[str]:
    """The body-map answer: a list of known region slugs (`body_regions`), each once, in
    catalogue order. Missing or null means none: clients of version 1 never saw the map."""
    if value is None:
        return []
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise ValueError(gettext("Please give a list of body-map regions."))
    unknown = [v for v in value if not body_regions.is_region(v)]
    if unknown:
        raise ValueError(
            gettext("Unknown body-map regions: %(regions)s.")
            % {"regions": ", ".join(unknown)[:200]}
        )
    return body_regions.in_order(value)


def answer_text(question: Question, value: Any) -> str:
    """An answer as the client chose it ("Yes", "Mild", "Left shoulder, Lower back"), "—"
    if none: how staff pages (the admin's health answers, the client record, the
    re-confirmation) show a stored answer."""
    if value is None or value == "" or value == []:
        return "—"
    if question.kind in (BOOL, MUST_BE_TRUE):
        return "Yes" if value is True else "No" if value is False else str(value)
    if question.kind == CHOICE:
        return str(dict(question.choices).get(value, value))
    if question.kind == REGIONS:
        return ", ".join(str(label) for label in body_regions.labels(value)) or "—"
    return str(value)


ISO_DAY = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")


def event_day(value: Any) -> dt.date | None:
    """A stored date answer as a date (None when it was not asked)."""
    return dt.date.fromisoformat(value) if isinstance(value, str) else None


def _event_date(question: Question, rule: DatedRule | None, value: Any, today: dt.date | None):
    """A date answer: YYYY-MM-DD, a real day, not before 1900; when `today` is known (the
    answers are being given now) not in the future and within the period the answer before
    it said ("within the last 12 months" with a day two years ago is a typing error, and
    one that would let a session through too early)."""
    if isinstance(value, dt.date):
        value = value.isoformat()
    if not isinstance(value, str) or not ISO_DAY.fullmatch(value.strip()):
        raise ValueError(gettext("Please give the date as YYYY-MM-DD, e.g. 2026-03-31."))
    try:
        day = dt.date.fromisoformat(value.strip())
    except ValueError:
        raise ValueError(
            gettext("This is not a real date: please check the day and month.")
        ) from None
    if day.year < EARLIEST_YEAR:
        raise ValueError(gettext("This date is too long ago: please check the year."))
    if today is not None and day > today:
        raise ValueError(gettext("This date is in the future: please give the day it happened."))
    if today is not None and rule is not None and rule.bookable_from(day) < today:
        raise ValueError(
            gettext(
                "This date is more than %(wait)s ago, so it does not match your answer "
                "above: please check the year, or change that answer."
            )
            % {"wait": rule.wait.phrase}
        )
    return day.isoformat()


def validate_answers(
    answers: Any, *, version: int = QUESTIONNAIRE_VERSION, today: dt.date | None = None
) -> dict[str, Any]:
    """Return the answers, cleaned, or raise InvalidAnswers naming every bad one.

    `version`: the questionnaire the answers were given under (a stored intake's own).
    `today`: the clinic's date when the answers are being given now; it rules out event
    dates in the future or outside the period the client said. Stored answers are checked
    without it (a surgery "within the last 12 months" stays what the client said then)."""
    form = questionnaire(version)
    if not isinstance(answers, Mapping):
        raise InvalidAnswers(
            {"intake": gettext("The intake answers must be an object of question keys.")}
        )
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    dated = {rule.date_key: rule for rule in form.dated_rules}
    for question in form.questions:
        if question.kind == REGIONS:
            try:
                cleaned[question.key] = _regions(answers.get(question.key))
            except ValueError as error:
                errors[question.key] = str(error)
            continue
        if question.kind == DATE:
            trigger, when = question.asked_when or ("", None)
            if trigger in errors or cleaned.get(trigger) != when:
                cleaned[question.key] = None  # not asked: a leftover date means nothing
            elif answers.get(question.key) in (None, ""):
                errors[question.key] = gettext("Please give the date.")
            else:
                try:
                    cleaned[question.key] = _event_date(
                        question, dated.get(question.key), answers[question.key], today
                    )
                except ValueError as error:
                    errors[question.key] = str(error)
            continue
        if question.key not in answers or answers[question.key] is None:
            errors[question.key] = gettext("Please answer this question.")
            continue
        value = answers[question.key]
        if question.kind in (BOOL, MUST_BE_TRUE) and not isinstance(value, bool):
            errors[question.key] = gettext("Please answer yes or no.")
        elif question.kind == MUST_BE_TRUE and value is not True:
            errors[question.key] = gettext("We can only book a session if you confirm this.")
        elif question.kind == CHOICE and (
            not isinstance(value, str) or value not in dict(question.choices)
        ):
            allowed = ", ".join(key for key, _label in question.choices)
            errors[question.key] = gettext("Please choose one of: %(allowed)s.") % {
                "allowed": allowed
            }
        elif question.kind == TEXT and not isinstance(value, str):
            errors[question.key] = gettext("Please answer in words.")
        elif question.kind == TEXT and len(value) > TEXT_MAX_LENGTH:
            errors[question.key] = gettext("Please keep this under %(limit)d characters.") % {
                "limit": TEXT_MAX_LENGTH
            }
        elif question.kind == TEXT and not _storable(value):
            errors[question.key] = gettext("Please remove the unusual characters from this answer.")
        else:
            cleaned[question.key] = value.strip() if question.kind == TEXT else value
    both = set(cleaned.get("avoid_regions", ())) & set(cleaned.get("focus_regions", ()))
    if both:
        names = "; ".join(body_regions.labels(both))
        errors["focus_regions"] = gettext(
            "An area cannot be both avoided and focused on: %(areas)s."
        ) % {"areas": names}
    unknown = sorted(set(answers) - {q.key for q in form.questions})
    if unknown:
        errors["intake"] = gettext("Unknown questions: %(keys)s.") % {
            "keys": ", ".join(map(str, unknown))[:200]
        }
    if errors:
        raise InvalidAnswers(errors)
    return cleaned


def _stricter(outcome: str, than: str) -> str:
    return outcome if OUTCOME_SEVERITY.index(outcome) > OUTCOME_SEVERITY.index(than) else than


def screen(
    answers: Mapping[str, Any],
    *,
    on: dt.date | None = None,
    version: int = QUESTIONNAIRE_VERSION,
    today: dt.date | None = None,
) -> Screening:
    """Apply every rule of the answers' questionnaire `version` for a session on the local
    day `on`; the outcome is the strictest triggered, pressure capped if any rule says so.

    A dated answer (version 3: a recent surgery, fracture or pregnancy) declines a session
    before its bookable-from day and says that day; when nothing else declines, the
    screening's `bookable_from` is the first day every dated rule allows. `on` may be left
    out only when no dated rule applies (every version 1 and 2 intake): a caller that does
    not know the session's day cannot judge a dated answer, and fails loudly rather than
    guess. `today`: see `validate_answers`."""
    if isinstance(on, dt.datetime):
        raise TypeError("screen(on=...) takes the session's local date, not a moment")
    form = questionnaire(version)
    answers = validate_answers(answers, version=version, today=today)
    outcome = CLEAR
    reasons: list[str] = []
    light_only = False
    for rule in form.rules:
        if rule.applies(answers[rule.key]):
            reasons.append(rule.reason)
            light_only = light_only or rule.forces_light_pressure
            outcome = _stricter(rule.outcome, outcome)
    declined_for_good = outcome == DECLINED
    bookable_from: dt.date | None = None
    for dated in form.dated_rules:
        if not dated.applies(answers[dated.key]):
            continue
        if on is None:
            raise TypeError("screen() needs on=<the session's local date> for dated answers")
        from_day = dated.bookable_from(dt.date.fromisoformat(answers[dated.date_key]))
        if on < from_day:
            outcome = DECLINED
            reasons.append(
                gettext(dated.reason)
                % {"day": date_format(from_day, "j F Y"), "wait": dated.wait.phrase}
            )
            bookable_from = max(bookable_from or from_day, from_day)
        elif dated.then != CLEAR:
            outcome = _stricter(dated.then, outcome)
            reasons.append(dated.then_reason)
    pressure = "light" if light_only else answers["pressure"]
    return Screening(
        form.version,
        outcome,
        # Rules' reasons stay in English (gettext_noop: stored for staff, translated where the
        # client reads them); a dated reason names a day, so it is written in the active
        # language the client is reading.
        tuple(str(reason) for reason in reasons),
        pressure,
        bookable_from=None if declined_for_good else bookable_from,
    )


def clear_answers(**overrides: Any) -> dict[str, Any]:
    """A complete set of answers (current version) that triggers no rule; tests and demo
    data start from it."""
    answers: dict[str, Any] = {
        "pregnancy": "no",
        "pregnancy_end_date": None,
        "spinal_surgery": "no",
        "spinal_surgery_date": None,
        "fracture_recent": False,
        "fracture_date": None,
        "osteoporosis": False,
        "disc_condition": False,
        "back_pain_now": "none",
        "blood_thinners": False,
        "blood_pressure": False,
        "implant": False,
        "other_conditions": "",
        "pressure": "medium",
        "avoid_areas": "",
        "avoid_regions": [],
        "focus_regions": [],
        "consent": True,
        "adult": True,
    }
    answers.update(overrides)
    return answers


def clear_answers_v2(**overrides: Any) -> dict[str, Any]:
    """A complete version 2 (and 1) set that triggers no rule: intakes stored before
    version 3 look like this."""
    answers = clear_answers()
    for key in ("pregnancy", "pregnancy_end_date", "spinal_surgery_date", "fracture_date"):
        del answers[key]
    answers = {"pregnant": False, **answers}
    answers.update(overrides)
    return answers
