"""The back-health intake: questions and the rules that decide if a session may happen.

Walking on a back with the therapist's whole weight is unsafe for some people (a recent
fracture, osteoporosis, pregnancy, ...) and needs a professional's clearance for others. The
rules are data, versioned: every stored intake records the version it was answered under, so
a later change of rules never rewrites what a client was told.

Questions, choices and help texts are translated lazily (the client reads them in their
language). Reasons are kept in English (`gettext_noop`): an intake stores them as the
clinic's record, and pages and e-mails translate them when they show them
(`{% translate reason %}`), so staff read the same words whatever language the client used.

Pure: answers in, outcome and plain-language reasons out. Forms call it to show messages;
`bookings.services` calls it again and decides.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext, gettext_noop
from django.utils.translation import gettext_lazy as _

from bookings import body_regions

# Version 2 added the body map (`avoid_regions`, `focus_regions`); no rule changed.
QUESTIONNAIRE_VERSION = 2

CLEAR = "clear"
LIGHT_PRESSURE = "light_pressure"
NEEDS_CLEARANCE = "needs_clearance"
DECLINED = "declined"
# Strictest last: the outcome of an intake is the strictest one any rule triggers.
OUTCOME_SEVERITY = [CLEAR, LIGHT_PRESSURE, NEEDS_CLEARANCE, DECLINED]

BOOL = "bool"
CHOICE = "choice"
TEXT = "text"
MUST_BE_TRUE = "must_be_true"
# Named regions of the body map (`bookings.body_regions`); optional, an empty list if unanswered.
REGIONS = "regions"
TEXT_MAX_LENGTH = 1000


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    help_text: str = ""


@dataclass(frozen=True)
class Rule:
    """When `applies(answer)` is true, the intake gets `outcome` (and light pressure if
    `forces_light_pressure`), and the client is told `reason`."""

    key: str
    applies: Callable[[Any], bool]
    outcome: str
    reason: str
    forces_light_pressure: bool = False


def _yes(answer: Any) -> bool:
    return answer is True


def _equals(value: str) -> Callable[[Any], bool]:
    return lambda answer: answer == value


QUESTIONS: tuple[Question, ...] = (
    Question("pregnant", _("Are you pregnant or could you be?"), BOOL),
    Question(
        "spinal_surgery",
        _("Have you had spinal surgery?"),
        CHOICE,
        (
            ("no", _("No")),
            ("over_12_months", _("Yes, more than 12 months ago")),
            ("within_12_months", _("Yes, within the last 12 months")),
        ),
    ),
    Question("fracture_recent", _("Any fracture or broken bone in the last 6 months?"), BOOL),
    Question("osteoporosis", _("Have you been diagnosed with osteoporosis or osteopenia?"), BOOL),
    Question("disc_condition", _("Do you have a herniated, bulging or degenerated disc?"), BOOL),
    Question(
        "back_pain_now",
        _("Do you have back pain right now?"),
        CHOICE,
        (
            ("none", _("No")),
            ("mild", _("Mild")),
            ("severe", _("Severe, or radiating down a leg")),
        ),
    ),
    Question(
        "blood_thinners",
        _("Do you take blood thinners, or have a clotting disorder or a history of DVT?"),
        BOOL,
        help_text=_("DVT is deep vein thrombosis, a blood clot in a deep vein."),
    ),
    Question(
        "blood_pressure",
        _("Do you have high blood pressure that is not controlled by treatment?"),
        BOOL,
    ),
    Question(
        "implant",
        _("Do you have any implant in the back or trunk (spinal stimulator, rods, pacemaker)?"),
        BOOL,
    ),
    Question("other_conditions", _("Anything else the therapist should know?"), TEXT),
    Question(
        "pressure",
        _("Preferred pressure"),
        CHOICE,
        (("light", _("Light")), ("medium", _("Medium")), ("deep", _("Deep"))),
    ),
    Question("avoid_areas", _("Areas to avoid"), TEXT),
    Question(
        "avoid_regions",
        _("On the body map, where should your therapist not work?"),
        REGIONS,
        body_regions.CHOICES,
        help_text=_("Optional. Tap the map or tick the boxes; left and right are yours."),
    ),
    Question(
        "focus_regions",
        _("On the body map, where would you like more work?"),
        REGIONS,
        body_regions.CHOICES,
        help_text=_("Optional. Tap the map or tick the boxes."),
    ),
    Question(
        "consent",
        _(
            "I understand the therapist will stand and walk on my back, and I will say at once "
            "if anything hurts."
        ),
        MUST_BE_TRUE,
    ),
    Question("adult", _("I am 18 or older."), MUST_BE_TRUE),
)
QUESTIONS_BY_KEY: Mapping[str, Question] = {q.key: q for q in QUESTIONS}

RULES: tuple[Rule, ...] = (
    Rule(
        "pregnant",
        _yes,
        DECLINED,
        gettext_noop(
            "Walk-on-back massage is not safe during pregnancy or when you could be pregnant."
        ),
    ),
    Rule(
        "spinal_surgery",
        _equals("within_12_months"),
        DECLINED,
        gettext_noop(
            "Your spine needs more than 12 months to heal after surgery before it can take a "
            "therapist's weight."
        ),
    ),
    Rule(
        "spinal_surgery",
        _equals("over_12_months"),
        NEEDS_CLEARANCE,
        gettext_noop(
            "You have had spinal surgery, so our clinical staff review your booking first."
        ),
    ),
    Rule(
        "fracture_recent",
        _yes,
        DECLINED,
        gettext_noop(
            "A fracture in the last 6 months may not be fully healed, and body weight on it could "
            "hurt you."
        ),
    ),
    Rule(
        "osteoporosis",
        _yes,
        DECLINED,
        gettext_noop(
            "With osteoporosis or osteopenia the bones can break under a therapist's weight."
        ),
    ),
    Rule(
        "disc_condition",
        _yes,
        NEEDS_CLEARANCE,
        gettext_noop("A disc condition needs our clinical staff to review your booking first."),
    ),
    Rule(
        "back_pain_now",
        _equals("mild"),
        LIGHT_PRESSURE,
        gettext_noop(
            "Because you have mild back pain now, your therapist will use light pressure only."
        ),
        forces_light_pressure=True,
    ),
    Rule(
        "back_pain_now",
        _equals("severe"),
        NEEDS_CLEARANCE,
        gettext_noop(
            "Severe or radiating back pain needs our clinical staff to review your booking first."
        ),
    ),
    Rule(
        "blood_thinners",
        _yes,
        NEEDS_CLEARANCE,
        gettext_noop(
            "Blood thinners or a clotting condition make bruising and clots more likely: our "
            "clinical staff review your booking first, and pressure will be light."
        ),
        forces_light_pressure=True,
    ),
    Rule(
        "blood_pressure",
        _yes,
        NEEDS_CLEARANCE,
        gettext_noop(
            "Uncontrolled high blood pressure needs our clinical staff to review your booking first."
        ),
    ),
    Rule(
        "implant",
        _yes,
        NEEDS_CLEARANCE,
        gettext_noop(
            "An implant in the back or trunk needs our clinical staff to review your booking first."
        ),
    ),
)


@dataclass(frozen=True)
class Screening:
    version: int
    outcome: str
    reasons: tuple[str, ...]
    effective_pressure: str

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


def validate_answers(answers: Any) -> dict[str, Any]:
    """Return the answers, cleaned, or raise InvalidAnswers naming every bad one."""
    if not isinstance(answers, Mapping):
        raise InvalidAnswers(
            {"intake": gettext("The intake answers must be an object of question keys.")}
        )
    errors: dict[str, str] = {}
    cleaned: dict[str, Any] = {}
    for question in QUESTIONS:
        if question.kind == REGIONS:
            try:
                cleaned[question.key] = _regions(answers.get(question.key))
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
            allowed = ", ".join(key for key, _ in question.choices)
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
    unknown = sorted(set(answers) - set(QUESTIONS_BY_KEY))
    if unknown:
        errors["intake"] = gettext("Unknown questions: %(keys)s.") % {
            "keys": ", ".join(map(str, unknown))[:200]
        }
    if errors:
        raise InvalidAnswers(errors)
    return cleaned


def screen(answers: Mapping[str, Any]) -> Screening:
    """Apply every rule; the outcome is the strictest triggered, pressure capped if any says so."""
    answers = validate_answers(answers)
    outcome = CLEAR
    reasons: list[str] = []
    light_only = False
    for rule in RULES:
        if rule.applies(answers[rule.key]):
            reasons.append(rule.reason)
            light_only = light_only or rule.forces_light_pressure
            if OUTCOME_SEVERITY.index(rule.outcome) > OUTCOME_SEVERITY.index(outcome):
                outcome = rule.outcome
    pressure = "light" if light_only else answers["pressure"]
    return Screening(QUESTIONNAIRE_VERSION, outcome, tuple(reasons), pressure)


def clear_answers(**overrides: Any) -> dict[str, Any]:
    """A complete set of answers that triggers no rule; tests and demo data start from it."""
    answers: dict[str, Any] = {
        "pregnant": False,
        "spinal_surgery": "no",
        "fracture_recent": False,
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
