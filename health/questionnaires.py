"""The back-health questionnaires: their questions and the rules that decide if a session
may happen, one entry per version.

Walking on a back with the therapist's whole weight is unsafe for some people (a recent
fracture, osteoporosis, pregnancy, ...) and needs a professional's clearance for others. The
rules are data, versioned: every stored intake records the version it was answered under, so
a later change of rules never rewrites what a client was told. `health.screening` judges
answers by them.

Questions, choices and help texts are translated lazily (the client reads them in their
language). Reasons are kept in English (`gettext_noop`): an intake stores them as the
clinic's record, and pages and e-mails translate them when they show them
(`{% translate reason %}`), so staff read the same words whatever language the client used.
"""

import datetime as dt
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from health import body_regions


def gettext_noop(message: str) -> str:
    """Marks a rule's reason for `makemessages` and keeps it in English (intakes store it for
    staff; pages translate it where the client reads it). Django's own `gettext_noop` does
    the same but asks for the settings, and this module is imported without them (the load
    test's clients build their answers with `clear_answers`)."""
    return message


# Version 2 added the body map (`avoid_regions`, `focus_regions`); no rule changed.
# Version 3 dates the contraindications that heal (`DATED_RULES`): a recent spinal surgery,
# fracture or pregnancy makes a session bookable from a date instead of "no" for good.
QUESTIONNAIRE_VERSION = 3

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
# The day something happened (YYYY-MM-DD), asked only when the answer before it says so.
DATE = "date"
# Named regions of the body map (`health.body_regions`); optional, an empty list if unanswered.
REGIONS = "regions"
TEXT_MAX_LENGTH = 1000


@dataclass(frozen=True)
class Question:
    key: str
    text: str
    kind: str
    choices: tuple[tuple[str, str], ...] = ()
    help_text: str = ""
    # DATE questions: asked (and then required) only when the answer to `asked_when[0]` is
    # `asked_when[1]`; otherwise the answer is stored as None.
    asked_when: tuple[str, Any] | None = None


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


QUESTIONS_V2: tuple[Question, ...] = (
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
RULES_V2: tuple[Rule, ...] = (
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


# --- Version 3: dated contraindications -----------------------------------------------------


@dataclass(frozen=True)
class Wait:
    """How long after an event a back can take a therapist's weight again. Months are
    calendar months; a day that does not exist in the target month (31 March + 6 months)
    moves to the first of the next month, never back: the wait is never shortened."""

    months: int = 0
    weeks: int = 0

    def after(self, day: dt.date) -> dt.date:
        """The first day after the wait; `date.max` when the wait runs past the calendar's
        end (a stored date near 9999 is judged "not yet", never an error page)."""
        month_index = day.year * 12 + day.month - 1 + self.months
        year, month = divmod(month_index, 12)
        try:
            try:
                moved = day.replace(year=year, month=month + 1)
            except ValueError:  # 29-31 of a shorter month: the first of the month after
                year, month = divmod(month_index + 1, 12)
                moved = dt.date(year, month + 1, 1)
            return moved + dt.timedelta(weeks=self.weeks)
        except (ValueError, OverflowError):
            return dt.date.max

    @property
    def phrase(self) -> str:
        if self.months:
            return ngettext("%(n)d month", "%(n)d months", self.months) % {"n": self.months}
        return ngettext("%(n)d week", "%(n)d weeks", self.weeks) % {"n": self.weeks}


SPINAL_SURGERY_WAIT = Wait(months=12)
"""Spinal surgery (fusion, disc surgery, decompression) takes about a year for bone and scar
to heal enough to carry a standing person's weight: the questionnaire has always declined
surgery "within the last 12 months" (SPEC), now counted from the day of the surgery. After
it the booking still needs clearance, as surgery "more than 12 months ago" always did."""

FRACTURE_WAIT = Wait(months=6)
"""A broken bone takes up to six months to remodel fully; body weight on a partly healed
fracture can break it again. SPEC: "a fracture in the last 6 months" declines, counted
from the day of the fracture. After it nothing else is needed."""

PREGNANCY_END_WAIT = Wait(weeks=12)
"""After a birth or the end of a pregnancy the ligaments stay loose (relaxin) and the
abdominal wall, and any caesarean scar, need about three months before a client can lie
face down under a person's weight: the clinic books from 12 weeks after the end date."""

EARLIEST_YEAR = 1900  # an event date before this is a typing error, not a medical history


@dataclass(frozen=True)
class DatedRule:
    """When `applies(answer to key)`, the session is declined before the day
    `wait.after(answer to date_key)` (the client is told that day, `reason` naming what it
    waits for), and from that day on `then` applies (an outcome with its reason, or CLEAR)."""

    key: str
    applies: Callable[[Any], bool]
    date_key: str
    wait: Wait
    reason: str  # "%(day)s" and "%(wait)s" are filled in
    then: str = CLEAR
    then_reason: str = ""

    def bookable_from(self, event: dt.date) -> dt.date:
        return self.wait.after(event)


PREGNANCY = Question(
    "pregnancy",
    _("Are you pregnant, or have you been in the last 12 weeks?"),
    CHOICE,
    (
        ("no", _("No")),
        ("pregnant", _("Yes, I am or could be pregnant")),
        ("ended", _("My pregnancy ended in the last 12 weeks")),
    ),
    help_text=_("A birth, a miscarriage or a termination."),
)
PREGNANCY_END_DATE = Question(
    "pregnancy_end_date",
    _("If it ended in the last 12 weeks: when did your pregnancy end?"),
    DATE,
    asked_when=("pregnancy", "ended"),
)
SPINAL_SURGERY_DATE = Question(
    "spinal_surgery_date",
    _("If within the last 12 months: when was the surgery?"),
    DATE,
    help_text=_("Not sure of the day? Give the latest day it could have been."),
    asked_when=("spinal_surgery", "within_12_months"),
)
FRACTURE_DATE = Question(
    "fracture_date",
    _("If yes: when did the fracture happen?"),
    DATE,
    help_text=_("Not sure of the day? Give the latest day it could have been."),
    asked_when=("fracture_recent", True),
)


def _v3_questions() -> tuple[Question, ...]:
    """Version 2's questions with the pregnancy question widened to a recent pregnancy, and
    a date asked after each answer that heals with time."""
    questions: list[Question] = []
    for question in QUESTIONS_V2:
        if question.key == "pregnant":
            questions += [PREGNANCY, PREGNANCY_END_DATE]
            continue
        questions.append(question)
        if question.key == "spinal_surgery":
            questions.append(SPINAL_SURGERY_DATE)
        elif question.key == "fracture_recent":
            questions.append(FRACTURE_DATE)
    return tuple(questions)


QUESTIONS: tuple[Question, ...] = _v3_questions()
QUESTIONS_BY_KEY: Mapping[str, Question] = {q.key: q for q in QUESTIONS}

DATED_RULES: tuple[DatedRule, ...] = (
    DatedRule(
        "pregnancy",
        _equals("ended"),
        "pregnancy_end_date",
        PREGNANCY_END_WAIT,
        _(
            "You can book from %(day)s: %(wait)s after the end of your pregnancy, when your "
            "body is ready to take a therapist's weight again."
        ),
    ),
    DatedRule(
        "spinal_surgery",
        _equals("within_12_months"),
        "spinal_surgery_date",
        SPINAL_SURGERY_WAIT,
        _(
            "You can book from %(day)s: %(wait)s after your spinal surgery. Your spine needs "
            "that long to heal before it can take a therapist's weight."
        ),
        then=NEEDS_CLEARANCE,
        then_reason=gettext_noop(  # stored in English like every rule's reason
            "You have had spinal surgery, so our clinical staff review your booking first."
        ),
    ),
    DatedRule(
        "fracture_recent",
        _yes,
        "fracture_date",
        FRACTURE_WAIT,
        _(
            "You can book from %(day)s: %(wait)s after your fracture, when the bone has "
            "healed enough to take body weight."
        ),
    ),
)
DATED_KEYS = {rule.key for rule in DATED_RULES}

RULES: tuple[Rule, ...] = (
    Rule(
        "pregnancy",
        _equals("pregnant"),
        DECLINED,
        gettext_noop(
            "Walk-on-back massage is not safe during pregnancy or when you could be pregnant."
        ),
    ),
    *(
        rule
        for rule in RULES_V2
        if rule.key not in ("pregnant", "fracture_recent")
        and not (rule.key == "spinal_surgery" and rule.outcome == DECLINED)
    ),
)
"""Version 3's undated rules: version 2's, less those the dated rules took over."""


@dataclass(frozen=True)
class Questionnaire:
    version: int
    questions: tuple[Question, ...]
    rules: tuple[Rule, ...]
    dated_rules: tuple[DatedRule, ...] = ()


QUESTIONNAIRES: Mapping[int, Questionnaire] = {
    # Versions 1 and 2 ask the same questions (1 never showed the body map, whose answers
    # are optional) under the same rules: their yes/no answers keep their meaning for good.
    1: Questionnaire(1, QUESTIONS_V2, RULES_V2),
    2: Questionnaire(2, QUESTIONS_V2, RULES_V2),
    3: Questionnaire(3, QUESTIONS, RULES, DATED_RULES),
}
