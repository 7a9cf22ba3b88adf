"""Answers given under an older questionnaire, carried over to today's questions.

Outside integrations (the public API) may still send answers to an older version. They are
carried over only where the old answer means the same thing under today's question;
otherwise the client must answer today's question, and the refusal says which.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from health.questionnaires import QUESTIONNAIRE_VERSION, QUESTIONNAIRES, QUESTIONS
from health.screening import questionnaire


@dataclass(frozen=True)
class Translation:
    """How one old question's answers read today: `to[answer]` is today's answers for
    that old answer; an answer not in `to` does not answer today's questions `asks`,
    for the reason `why` (written for the integration's developer)."""

    to: tuple[tuple[Any, Mapping[str, Any]], ...]
    asks: tuple[str, ...]
    why: str

    def of(self, answer: Any) -> Mapping[str, Any] | None:
        for old, new in self.to:
            if type(old) is type(answer) and old == answer:
                return new
        return None


_V2_TO_CURRENT: Mapping[str, Translation] = {
    # "No" to "are you pregnant or could you be?" does not say whether a pregnancy ended in
    # the last 12 weeks, which version 3 asks because the body needs that long: no "no".
    "pregnant": Translation(
        ((True, {"pregnancy": "pregnant", "pregnancy_end_date": None}),),
        asks=("pregnancy", "pregnancy_end_date"),
        why="Version 3 asks whether a pregnancy ended in the last 12 weeks; "
        '"pregnant": false does not say. Answer "pregnancy" (no / pregnant / ended).',
    ),
    "spinal_surgery": Translation(
        (
            ("no", {"spinal_surgery": "no", "spinal_surgery_date": None}),
            ("over_12_months", {"spinal_surgery": "over_12_months", "spinal_surgery_date": None}),
        ),
        asks=("spinal_surgery", "spinal_surgery_date"),
        why="A spinal surgery within the last 12 months is now dated: give "
        '"spinal_surgery_date", the day of the surgery.',
    ),
    "fracture_recent": Translation(
        ((False, {"fracture_recent": False, "fracture_date": None}),),
        asks=("fracture_recent", "fracture_date"),
        why='A fracture in the last 6 months is now dated: give "fracture_date", the day it '
        "happened.",
    ),
}
# Every other question of versions 1 and 2 is asked the same way today (same key, choices
# and rules), so its answer carries over as it is.
TRANSLATIONS: Mapping[int, Mapping[str, Translation]] = {1: _V2_TO_CURRENT, 2: _V2_TO_CURRENT}


class QuestionnaireOutdated(ValueError):
    """Old answers that do not answer today's questions; `untranslatable` maps each old
    question key to why (and which of today's questions to answer instead)."""

    def __init__(self, version: int, untranslatable: Mapping[str, str]):
        self.version = version
        self.untranslatable = dict(untranslatable)
        super().__init__("; ".join(f"{k}: {why}" for k, why in self.untranslatable.items()))


def answers_version(answers: Mapping[str, Any]) -> int:
    """The version a set of answers was written for, when the sender did not say: today's
    if every key is one of today's questions, else the newest older version whose questions
    hold every key (clients written before versions were named sent version 1/2 answers),
    else today's (and validation names the unknown keys)."""
    keys = set(answers)
    for version in sorted(QUESTIONNAIRES, reverse=True):
        if keys <= {q.key for q in QUESTIONNAIRES[version].questions}:
            return version
    return QUESTIONNAIRE_VERSION


def translate_answers(answers: Mapping[str, Any], *, version: int) -> dict[str, Any]:
    """Valid answers of questionnaire `version` as answers to today's questionnaire, or
    QuestionnaireOutdated naming each old answer that has no faithful translation. Today's
    version comes back unchanged; the result is still to be validated and screened."""
    if version == QUESTIONNAIRE_VERSION:
        return dict(answers)
    questionnaire(version)  # InvalidAnswers for an unknown version
    table = TRANSLATIONS.get(version)
    if table is None:
        raise QuestionnaireOutdated(
            version, {"intake": f"Version {version} answers cannot be carried over."}
        )
    current = {q.key for q in QUESTIONS}
    translated: dict[str, Any] = {}
    refused: dict[str, str] = {}
    for key, value in answers.items():
        if key in table:
            new = table[key].of(value)
            if new is None:
                refused[key] = table[key].why
            else:
                translated.update(new)
        elif key in current:
            translated[key] = value
    if refused:
        raise QuestionnaireOutdated(version, refused)
    return translated
