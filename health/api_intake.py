"""The intake questionnaire as the public API describes it (`GET /api/intake/questions`).

An integration builds its own form from this: every question of a version with its kind,
choices and when it is asked, and, for each answer that triggers a rule, the outcome and the
words the client is told. Nothing here decides anything: the questions, rules and the
translation of older versions' answers are `health.screening`'s; this only writes them out.
"""

from typing import Any

from ninja import Schema
from pydantic import Field

from health import answer_translation, questionnaires, screening

DAY_PLACEHOLDER = "{day}"


class ChoiceOut(Schema):
    value: str
    label: str


class RuleOut(Schema):
    answer: Any = Field(description="The answer that triggers the rule.")
    outcome: str = Field(
        description="`light_pressure`, `needs_clearance` or `declined` (the strictest of "
        "every triggered rule is the intake's outcome)."
    )
    light_pressure_only: bool = Field(description="The rule caps the pressure to light.")
    reason: str = Field(
        description="What the client is told. For a dated rule `{day}` stands for the first "
        "day a session can be booked."
    )
    until: str | None = Field(
        None,
        description="Dated rules only: declined until this long after the date answered "
        "in `date_question`, then `then`.",
    )
    date_question: str | None = None
    then: str | None = None


class AskedWhenOut(Schema):
    question: str
    answer: Any


class QuestionOut(Schema):
    key: str
    text: str
    kind: str = Field(
        description="`bool` (true/false), `choice` (one of `choices`), `text` (may be empty), "
        "`must_be_true`, `date` (YYYY-MM-DD), `regions` (a list of body-map region values)."
    )
    required: bool = Field(
        description="Must be answered (for a `date`: when `asked_when` holds; `regions` may be "
        "left out)."
    )
    choices: list[ChoiceOut] = []
    help_text: str = ""
    asked_when: AskedWhenOut | None = None
    rules: list[RuleOut] = []


class TranslationOut(Schema):
    question: str = Field(description="The question of this (older) version.")
    carried_over: list[dict[str, Any]] = Field(
        description="Old answers accepted, each with today's answers it becomes."
    )
    otherwise: str = Field(description="Why any other answer is refused as outdated.")


class QuestionnaireOut(Schema):
    version: int
    current_version: int
    current: bool = Field(description="False: an older version, still accepted and translated.")
    questions: list[QuestionOut]
    translations: list[TranslationOut] = Field(
        [],
        description="Older versions only: the answers that are carried over to today's "
        "questions (every question not listed carries over as it is) and why others are not.",
    )


def _answers_of(question: questionnaires.Question) -> list[Any]:
    if question.kind == questionnaires.BOOL:
        return [True, False]
    if question.kind == questionnaires.CHOICE:
        return [value for value, _label in question.choices]
    return []


def _rules(form: questionnaires.Questionnaire, question: questionnaires.Question) -> list[dict]:
    """The rules of `question`, one per answer that triggers one (found by asking each rule
    about each possible answer, so this can never disagree with the rules themselves)."""
    out: list[dict] = []
    for answer in _answers_of(question):
        for rule in form.rules:
            if rule.key == question.key and rule.applies(answer):
                out.append(
                    {
                        "answer": answer,
                        "outcome": rule.outcome,
                        "light_pressure_only": rule.forces_light_pressure,
                        "reason": str(rule.reason),
                    }
                )
        for dated in form.dated_rules:
            if dated.key == question.key and dated.applies(answer):
                reason = str(dated.reason) % {"day": DAY_PLACEHOLDER, "wait": dated.wait.phrase}
                out.append(
                    {
                        "answer": answer,
                        "outcome": questionnaires.DECLINED,
                        "light_pressure_only": False,
                        "reason": reason,
                        "until": dated.wait.phrase,
                        "date_question": dated.date_key,
                        "then": dated.then,
                    }
                )
    return out


def _question(form: questionnaires.Questionnaire, question: questionnaires.Question) -> dict:
    return {
        "key": question.key,
        "text": str(question.text),
        "kind": question.kind,
        "required": question.kind != questionnaires.REGIONS,
        "choices": [{"value": value, "label": str(label)} for value, label in question.choices],
        "help_text": str(question.help_text),
        "asked_when": (
            {"question": question.asked_when[0], "answer": question.asked_when[1]}
            if question.asked_when
            else None
        ),
        "rules": _rules(form, question),
    }


def _translations(version: int) -> list[dict]:
    table = answer_translation.TRANSLATIONS.get(version, {})
    return [
        {
            "question": key,
            "carried_over": [{"answer": old, "becomes": dict(new)} for old, new in t.to],
            "otherwise": t.why,
        }
        for key, t in table.items()
    ]


def questions(version: int = questionnaires.QUESTIONNAIRE_VERSION) -> list[dict]:
    form = screening.questionnaire(version)
    return [_question(form, question) for question in form.questions]


def describe(version: int) -> dict:
    """Questionnaire `version` as `QuestionnaireOut`; `screening.InvalidAnswers` if unknown."""
    return {
        "version": version,
        "current_version": questionnaires.QUESTIONNAIRE_VERSION,
        "current": version == questionnaires.QUESTIONNAIRE_VERSION,
        "questions": questions(version),
        "translations": _translations(version),
    }
