"""The intake rules of SPEC "Intake screening", one case per row of the table."""

import pytest

from health import body_regions, questionnaires, screening
from health.screening import InvalidAnswers, clear_answers, screen


def test_clean_answers_are_clear_at_the_chosen_pressure():
    result = screen(clear_answers(pressure="deep"))
    assert (result.outcome, result.effective_pressure, result.reasons) == ("clear", "deep", ())
    assert result.version == questionnaires.QUESTIONNAIRE_VERSION


@pytest.mark.parametrize(
    ("answer", "outcome"),
    [
        ({"pregnancy": "pregnant"}, "declined"),
        ({"spinal_surgery": "over_12_months"}, "needs_clearance"),
        ({"osteoporosis": True}, "declined"),
        ({"disc_condition": True}, "needs_clearance"),
        ({"back_pain_now": "mild"}, "light_pressure"),
        ({"back_pain_now": "severe"}, "needs_clearance"),
        ({"blood_thinners": True}, "needs_clearance"),
        ({"blood_pressure": True}, "needs_clearance"),
        ({"implant": True}, "needs_clearance"),
    ],
)
def test_each_rule_gives_its_outcome_with_a_reason(answer, outcome):
    result = screen(clear_answers(**answer))
    assert result.outcome == outcome
    assert len(result.reasons) == 1 and result.reasons[0].endswith(".")


def test_the_strictest_outcome_wins():
    result = screen(clear_answers(disc_condition=True, osteoporosis=True, back_pain_now="mild"))
    assert result.outcome == "declined"
    assert len(result.reasons) == 3


def test_mild_pain_caps_deep_pressure_to_light():
    result = screen(clear_answers(back_pain_now="mild", pressure="deep"))
    assert result.effective_pressure == "light"
    assert result.light_pressure_only


def test_blood_thinners_need_clearance_and_force_light_pressure():
    result = screen(clear_answers(blood_thinners=True, pressure="deep"))
    assert (result.outcome, result.effective_pressure) == ("needs_clearance", "light")


def test_free_text_answers_trigger_nothing_and_are_trimmed():
    answers = screening.validate_answers(clear_answers(other_conditions="  stiff neck  "))
    assert answers["other_conditions"] == "stiff neck"
    assert screen(clear_answers(other_conditions="osteoporosis")).outcome == "clear"


@pytest.mark.parametrize(
    "key",
    [
        q.key
        for q in questionnaires.QUESTIONS
        if q.kind not in (questionnaires.REGIONS, questionnaires.DATE)
    ],
)
def test_every_answer_is_required(key):
    answers = clear_answers()
    del answers[key]
    with pytest.raises(InvalidAnswers) as error:
        screen(answers)
    assert key in error.value.errors


@pytest.mark.parametrize(
    ("key", "bad"),
    [
        ("pregnancy", "maybe"),
        ("pregnancy", 0),
        ("spinal_surgery", "yesterday"),
        ("pressure", "extreme"),
        ("other_conditions", 42),
        ("avoid_areas", "x" * 1001),
        ("consent", False),
        ("adult", False),
        ("adult", "true"),
    ],
)
def test_answers_of_the_wrong_shape_are_refused_by_name(key, bad):
    with pytest.raises(InvalidAnswers) as error:
        screen(clear_answers(**{key: bad}))
    assert set(error.value.errors) == {key}


def test_unknown_keys_and_non_objects_are_refused():
    with pytest.raises(InvalidAnswers) as error:
        screen(clear_answers(favourite_colour="blue"))
    assert "intake" in error.value.errors
    with pytest.raises(InvalidAnswers):
        screen(["not", "a", "mapping"])


def test_the_questionnaire_imports_without_django_settings():
    """The load test's simulated clients build their answers with `clear_answers` in a
    process that never configures Django: importing the questionnaire must not need it."""
    import os
    import subprocess
    import sys

    env = {k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"}
    code = "from health.screening import clear_answers; print(len(clear_answers()))"
    done = subprocess.run(  # noqa: S603 - fixed arguments
        [sys.executable, "-c", code],
        cwd=os.path.dirname(os.path.dirname(os.path.dirname(__file__))),
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr


def test_an_answer_reads_as_the_client_chose_it_on_every_staff_page():
    """`answer_text` is the one wording of a stored answer (admin health answers, the client
    record, the re-confirmation): regions by name, choices by label, nothing as a dash."""
    by_key = questionnaires.QUESTIONS_BY_KEY
    regions = [r.slug for r in body_regions.REGIONS[:2]]
    named = ", ".join(str(r.label) for r in body_regions.REGIONS[:2])
    assert screening.answer_text(by_key["avoid_regions"], regions) == named
    assert screening.answer_text(by_key["avoid_regions"], []) == "—"
    assert screening.answer_text(by_key["pressure"], "light") == "Light"
    assert screening.answer_text(by_key["osteoporosis"], False) == "No"
    assert screening.answer_text(by_key["osteoporosis"], True) == "Yes"
    assert screening.answer_text(by_key["avoid_areas"], "") == "—"
    assert screening.answer_text(by_key["avoid_areas"], "left knee") == "left knee"
