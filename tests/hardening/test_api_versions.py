"""The API's questionnaire versions: a client written for version 1 (it never sends a
version) keeps a clear path: answers that mean the same today are carried over and book,
answers that do not get 422 `questionnaire_outdated` with today's questions, and then
today's answers book. `GET /api/intake/questions` serves every version; the OpenAPI
document says so."""

import pytest

from bookings.models import Appointment
from health import answer_translation, questionnaires, screening
from health.models import Intake
from health.questionnaires import QUESTIONNAIRE_VERSION
from health.screening import clear_answers, clear_answers_v2
from tests.bookings.test_api import book, booking, counts, get

pytestmark = pytest.mark.django_db

QUESTIONS = "/api/intake/questions"


class TestAVersionOneClient:
    def test_its_clear_answers_get_questionnaire_outdated_with_todays_questions(
        self, client, clinic
    ):
        """Version 1 asked "are you pregnant or could you be?"; today's question also asks
        about a pregnancy that ended in the last 12 weeks, which "no" does not answer."""
        before = counts()
        answer = book(client, booking(clinic, intake=clear_answers_v2()), 422)
        assert answer["code"] == "questionnaire_outdated"
        assert set(answer["errors"]) == {"intake.pregnant"}
        assert "12 weeks" in answer["errors"]["intake.pregnant"]
        assert answer["questionnaire_version"] == QUESTIONNAIRE_VERSION
        keys = [q["key"] for q in answer["questions"]]
        assert keys == [q.key for q in questionnaires.QUESTIONS]
        pregnancy = answer["questions"][keys.index("pregnancy")]
        assert {c["value"] for c in pregnancy["choices"]} == {"no", "pregnant", "ended"}
        assert counts() == before

    def test_it_books_once_it_sends_todays_answers_to_the_questions_it_was_given(
        self, client, clinic
    ):
        refused = book(client, booking(clinic, intake=clear_answers_v2()), 422)
        answers = clear_answers_v2()
        del answers["pregnant"]
        # The client asks each question it was sent and had no answer for.
        answers.update({q["key"]: None for q in refused["questions"] if q["key"] not in answers})
        answers["pregnancy"] = "no"
        answer = book(client, booking(clinic, questionnaire_version=3, intake=answers))
        assert answer["status"] == "confirmed"
        assert Intake.objects.get().questionnaire_version == QUESTIONNAIRE_VERSION

    def test_answers_that_mean_the_same_today_are_carried_over_and_judged_by_todays_rules(
        self, client, clinic
    ):
        """ "Pregnant: yes" is the same answer under both versions: carried over, declined."""
        answer = book(client, booking(clinic, intake=clear_answers_v2(pregnant=True)), 422)
        assert answer["code"] == "declined"
        assert Appointment.objects.count() == 0

    def test_the_one_table_carries_over_what_means_the_same_and_names_the_rest(self):
        old = screening.validate_answers(
            clear_answers_v2(pregnant=True, spinal_surgery="over_12_months"), version=1
        )
        today = answer_translation.translate_answers(old, version=1)
        assert (today["pregnancy"], today["spinal_surgery"], today["spinal_surgery_date"]) == (
            "pregnant",
            "over_12_months",
            None,
        )
        assert screening.validate_answers(today) == today  # a complete set of today's answers
        dated = screening.validate_answers(
            clear_answers_v2(pregnant=True, fracture_recent=True), version=2
        )
        with pytest.raises(answer_translation.QuestionnaireOutdated) as refused:
            answer_translation.translate_answers(dated, version=2)
        assert set(refused.value.untranslatable) == {"fracture_recent"}

    def test_a_malformed_old_answer_is_named_by_its_old_key(self, client, clinic):
        answer = book(client, booking(clinic, intake=clear_answers_v2(pregnant="nope")), 422)
        assert answer["code"] == "invalid_intake"
        assert set(answer["errors"]) == {"intake.pregnant"}

    @pytest.mark.parametrize("version", [0, -1, 4, 999, 10**30, "three", [3], None])
    def test_an_unknown_version_is_422(self, client, clinic, version):
        body = booking(clinic, questionnaire_version=version)
        if version is None:
            book(client, body)  # null: as if left out
            return
        answer = book(client, body, 422)
        assert "questionnaire_version" in answer["errors"] or answer["code"] in (
            "unknown_questionnaire_version",
        )


def test_todays_clients_book_as_before_with_or_without_the_version(client, clinic):
    book(client, booking(clinic))
    body = booking(clinic, questionnaire_version=QUESTIONNAIRE_VERSION, intake=clear_answers())
    body["start"] = body["start"].replace("T10:", "T12:")
    book(client, body)


class TestQuestions:
    def test_todays_questions_with_their_rules_wording(self, client, db):
        answer = get(client, QUESTIONS)
        assert (answer["version"], answer["current"]) == (QUESTIONNAIRE_VERSION, True)
        by_key = {q["key"]: q for q in answer["questions"]}
        (mild,) = [r for r in by_key["back_pain_now"]["rules"] if r["answer"] == "mild"]
        assert mild["outcome"] == "light_pressure" and mild["light_pressure_only"]
        assert "light pressure" in mild["reason"]
        (ended,) = by_key["pregnancy"]["rules"][1:]
        assert (ended["answer"], ended["date_question"], ended["until"]) == (
            "ended",
            "pregnancy_end_date",
            "12 weeks",
        )
        assert "{day}" in ended["reason"]
        assert by_key["pregnancy_end_date"]["asked_when"] == {
            "question": "pregnancy",
            "answer": "ended",
        }
        assert answer["translations"] == []

    @pytest.mark.parametrize("version", [1, 2])
    def test_an_older_version_and_how_its_answers_carry_over(self, client, db, version):
        answer = get(client, QUESTIONS, version=version)
        assert (answer["version"], answer["current"]) == (version, False)
        keys = [q["key"] for q in answer["questions"]]
        assert "pregnant" in keys and "pregnancy" not in keys
        (pregnant,) = [t for t in answer["translations"] if t["question"] == "pregnant"]
        assert pregnant["carried_over"][0]["answer"] is True
        assert "12 weeks" in pregnant["otherwise"]

    @pytest.mark.parametrize("version,status", [("4", 404), ("0", 422), ("-1", 422),
                                                ("abc", 422), ("9" * 40, 422), ("", 422)])  # fmt: skip
    def test_unknown_versions_are_refused_clearly(self, client, db, version, status):
        answer = get(client, QUESTIONS, status, version=version)
        assert answer["code"] in ("unknown_questionnaire_version", "invalid_request")

    def test_in_the_clients_language(self, client, db):
        response = client.get(QUESTIONS, HTTP_ACCEPT_LANGUAGE="es")
        assert response.status_code == 200
        assert response.json()["questions"][0]["text"].startswith("¿Está embarazada")


def test_the_openapi_document_describes_the_versions(client, db):
    schema = get(client, "/api/openapi.json")
    assert "/api/intake/questions" in schema["paths"]
    booking_in = schema["components"]["schemas"]["BookingIn"]["properties"]
    assert "questionnaire_version" in booking_in
    assert "questionnaire_outdated" in booking_in["questionnaire_version"]["description"]
    assert "questionnaire_outdated" in schema["info"]["description"]
    responses = schema["paths"]["/api/bookings"]["post"]["responses"]
    assert "OutdatedOut" in str(responses["422"])
