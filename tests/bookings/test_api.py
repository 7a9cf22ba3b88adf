"""The public JSON API: every endpoint, every status code, and nothing written on any error."""

import datetime as dt
import json
import re
from urllib.parse import urlsplit

import pytest
from django.conf import settings
from django.urls import resolve
from django.utils import timezone

from bookings.api_schemas import AvailabilityOut
from bookings.models import Appointment, AppointmentStatus, ClosedDay, Service
from clients.models import Client
from health.models import Intake
from health.screening import clear_answers
from tests.bookings.clinic import build_clinic, local_time, qualify
from tests.factories import (
    AppointmentFactory,
    CredentialFactory,
    ServiceFactory,
    TherapistFactory,
)
from therapists.models import CredentialKind, TimeOff

pytestmark = pytest.mark.django_db

OFFSET = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d[+-]\d\d:\d\d$")


def counts() -> tuple[int, int, int]:
    return Appointment.objects.count(), Client.objects.count(), Intake.objects.count()


def booking(clinic, **overrides) -> dict:
    body = {
        "service": clinic.bar_60.slug,
        "therapist": "any",
        "start": local_time(3, 10).isoformat(),
        "client": {"name": "Ada Client", "email": "ada@example.com", "phone": "+1 212 555 0199"},
        "intake": clear_answers(),
    }
    body.update(overrides)
    return body


def post(client, url: str, body, status: int) -> dict:
    """POST JSON (a str is sent as it is) and check the status and that the answer is JSON."""
    data = body if isinstance(body, str) else json.dumps(body)
    response = client.post(url, data, content_type="application/json")
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def get(client, url: str, status: int = 200, **params):
    response = client.get(url, params)
    assert response.status_code == status, response.content
    assert response["Content-Type"].startswith("application/json")
    return response.json()


def book(client, body, status: int = 201) -> dict:
    return post(client, "/api/bookings", body, status)


def token_of(answer: dict) -> str:
    return urlsplit(answer["manage_url"]).path.rstrip("/").rsplit("/", 1)[1]


class TestServices:
    def test_it_lists_active_services_with_style_duration_and_price(
        self, client, clinic, django_assert_num_queries
    ):
        ServiceFactory(style=clinic.bar_60.style, duration_minutes=90, price="150.50")
        ServiceFactory(style=clinic.bar_60.style, duration_minutes=30, active=False)
        with django_assert_num_queries(1):  # services joined with their style
            services = get(client, "/api/services")
        assert {s["slug"] for s in services} == {"bar-60", "bar-90", "floor-60"}
        bar_90 = next(s for s in services if s["slug"] == "bar-90")
        assert bar_90 == {
            "slug": "bar-90",
            "name": "Bar Ashiatsu, 90 minutes",
            "style": "bar",
            "duration_minutes": 90,
            "price": "150.50",
        }


class TestTherapists:
    def test_it_lists_the_styles_each_therapist_may_perform_today(self, client, clinic):
        answer = {t["slug"]: t for t in get(client, "/api/therapists")}
        assert answer[clinic.therapists[0].slug]["styles"] == ["bar", "floor"]
        assert answer[clinic.floor_only.slug]["styles"] == ["floor"]
        assert answer[clinic.floor_only.slug]["name"] == clinic.floor_only.display_name
        assert set(answer[clinic.floor_only.slug]) == {"slug", "name", "bio", "styles"}

    def test_an_unverified_or_expired_credential_does_not_count(self, client, clinic):
        unverified = TherapistFactory()
        qualify(unverified, CredentialKind.FLOOR_CERTIFICATION)
        CredentialFactory(
            therapist=unverified, kind=CredentialKind.BAR_CERTIFICATION, verified_at=None
        )
        lapsed_licence = TherapistFactory()
        CredentialFactory(
            therapist=lapsed_licence,
            kind=CredentialKind.MASSAGE_LICENCE,
            expires_on=timezone.localdate() - dt.timedelta(days=1),
        )
        CredentialFactory(therapist=lapsed_licence, kind=CredentialKind.BAR_CERTIFICATION)
        answer = {t["slug"]: t["styles"] for t in get(client, "/api/therapists")}
        assert answer[unverified.slug] == ["floor"]
        assert answer[lapsed_licence.slug] == []

    def test_inactive_therapists_are_left_out(self, client, clinic):
        clinic.floor_only.active = False
        clinic.floor_only.save()
        slugs = {t["slug"] for t in get(client, "/api/therapists")}
        assert clinic.floor_only.slug not in slugs
        assert clinic.therapists[0].slug in slugs

    @pytest.mark.parametrize("therapists", [1, 6])
    def test_the_query_count_does_not_grow_with_therapists(
        self, client, therapists, django_assert_num_queries
    ):
        build_clinic(therapists=therapists)
        # therapists, their credentials valid today (prefetch), styles
        with django_assert_num_queries(3):
            answer = get(client, "/api/therapists")
        assert len(answer) == therapists + 1


class TestAvailability:
    def url(self, clinic, **params):
        return {"service": clinic.bar_60.slug, **params}

    def test_it_lists_free_slots_in_the_clinic_zone_with_offset(self, client, clinic):
        therapist = clinic.therapists[0]
        day = local_time(3, 0).date()
        answer = get(
            client,
            "/api/availability",
            **self.url(clinic, date=day.isoformat(), days=1, therapist=therapist.slug),
        )
        assert answer["timezone"] == settings.CLINIC_TIME_ZONE == "America/New_York"
        slots = answer["slots"]
        assert all(OFFSET.match(slot["start"]) and OFFSET.match(slot["end"]) for slot in slots)
        # 09:00 to 15:45: a 60-minute session plus the 15-minute buffer ends by 17:00.
        assert slots[0] == {
            "start": local_time(3, 9).isoformat(),
            "end": local_time(3, 10).isoformat(),
            "therapist": therapist.slug,
            "therapist_name": therapist.display_name,
        }
        assert slots[-1]["start"] == local_time(3, 15, 45).isoformat()
        assert len(slots) == 28
        assert {slot["therapist"] for slot in slots} == {therapist.slug}

    def test_the_answer_matches_its_documented_schema(self, client, clinic):
        """The endpoint renders its JSON directly (for speed); it must still be exactly what
        AvailabilityOut documents in the OpenAPI schema."""
        day = local_time(3, 0).date().isoformat()
        answer = get(client, "/api/availability", **self.url(clinic, date=day, days=2))
        assert answer["slots"]
        assert AvailabilityOut.model_validate(answer).model_dump(mode="json") == answer

    def test_any_therapist_offers_each_start_once_and_never_an_unqualified_one(
        self, client, clinic
    ):
        day = local_time(3, 0).date().isoformat()
        slots = get(client, "/api/availability", **self.url(clinic, date=day, days=2))["slots"]
        starts = [slot["start"] for slot in slots]
        assert len(starts) == len(set(starts)) == 2 * 28
        assert clinic.floor_only.slug not in {slot["therapist"] for slot in slots}

    def test_a_booked_slot_is_no_longer_offered(self, client, clinic):
        therapist = clinic.therapists[0]
        book(client, booking(clinic, therapist=therapist.slug))
        params = self.url(clinic, date=local_time(3, 0).date().isoformat(), days=1)
        starts = {
            s["start"]
            for s in get(client, "/api/availability", **params, therapist=therapist.slug)["slots"]
        }
        assert local_time(3, 10).isoformat() not in starts
        assert local_time(3, 9).isoformat() not in starts  # would run into the booking
        assert local_time(3, 11, 15).isoformat() in starts  # after the 15-minute buffer

    def test_date_defaults_to_today_and_days_to_a_week(self, client, clinic):
        slots = get(client, "/api/availability", service=clinic.bar_60.slug)["slots"]
        today = timezone.localdate()
        days = {dt.datetime.fromisoformat(slot["start"]).date() for slot in slots}
        assert days and min(days) >= today and max(days) == today + dt.timedelta(days=6)

    @pytest.mark.parametrize(
        ("params", "what"),
        [
            ({"service": "no-such-service"}, "service"),
            ({"therapist": "no-such-therapist"}, "therapist"),
        ],
    )
    def test_unknown_slugs_are_404(self, client, clinic, params, what):
        answer = get(client, "/api/availability", 404, **self.url(clinic, **params))
        assert what in answer["detail"] and answer["code"] == "not_found"

    def test_an_inactive_service_is_unknown(self, client, clinic):
        Service.objects.filter(pk=clinic.bar_60.pk).update(active=False)
        get(client, "/api/availability", 404, **self.url(clinic))

    @pytest.mark.parametrize(
        ("params", "field"),
        [
            ({"date": "2026-02-30"}, "date"),
            ({"date": "tomorrow"}, "date"),
            ({"date": "0"}, "date"),
            ({"date": "2026-12-01T10:00"}, "date"),
            ({"date": "9999-12-31"}, "date"),
            ({"date": "0001-01-01"}, "date"),
            ({"days": "0"}, "days"),
            ({"days": "61"}, "days"),
            ({"days": "x"}, "days"),
            ({"days": "-1"}, "days"),
            ({"days": "1.5"}, "days"),
            ({"days": "9" * 40}, "days"),
            ({"service": ""}, "service"),
            ({"service": "x" * 100_000}, "service"),
            ({"service": "bar\x0060"}, "service"),
            ({"therapist": "Ünïcode"}, "therapist"),
        ],
    )
    def test_bad_parameters_are_422_with_a_message_per_field(self, client, clinic, params, field):
        answer = get(client, "/api/availability", 422, **self.url(clinic, **params))
        assert answer["code"] == "invalid_request"
        assert set(answer["errors"]) == {field}
        assert answer["errors"][field]

    def test_a_missing_service_is_422(self, client, clinic):
        answer = get(client, "/api/availability", 422)
        assert "service" in answer["errors"]

    @pytest.mark.parametrize(
        ("therapists", "days", "bookings"), [(1, 1, 0), (6, 14, 0), (6, 30, 8)]
    )
    @pytest.mark.parametrize("choice", ["any", "named"])
    def test_the_query_count_does_not_grow_with_therapists_days_or_bookings(
        self, client, therapists, days, bookings, choice, django_assert_num_queries, settings
    ):
        # The computation itself; an answer from the cache (schedule version and cache get
        # instead of the loader) is pinned in tests/bookings/test_schedule_cache.py.
        settings.AVAILABILITY_CACHE_SECONDS = 0
        clinic = build_clinic(therapists=therapists)
        for i in range(bookings):
            AppointmentFactory(
                service=clinic.bar_60,
                therapist=clinic.therapists[i % therapists],
                room=clinic.bar_rooms[i % 2],
                start=local_time(1 + i, 10),
            )
        params = self.url(clinic, date=local_time(1, 0).date().isoformat(), days=days)
        if choice == "named":
            params["therapist"] = clinic.therapists[0].slug
        # The service (with its style) from the schedule catalog: its token and, the catalog
        # being new, therapists, their working hours, credentials and time off (plain
        # values), rooms with their styles, closed days, services with their styles; [the
        # named therapist and, later, the names in the answer: from the same catalog, which
        # the request keeps]; then the window loader: the token, appointments in the window.
        with django_assert_num_queries(10):
            answer = get(client, "/api/availability", **params)
        assert answer["slots"]
        # Asked again with the catalog in memory: the token for the request's lookups, the
        # token for the window, appointments and holds (the answer cache is off).
        with django_assert_num_queries(3):
            assert get(client, "/api/availability", **params) == answer


class TestCreateBooking:
    def test_a_clear_intake_is_confirmed_with_a_working_manage_link(self, client, clinic):
        answer = book(client, booking(clinic))
        appointment = Appointment.objects.get()
        assert answer == {
            "reference": appointment.reference,
            "status": "confirmed",
            "outcome": "clear",
            "reasons": [],
            "effective_pressure": "medium",
            "start": local_time(3, 10).isoformat(),
            "end": local_time(3, 11).isoformat(),
            "therapist": appointment.therapist.slug,
            "room": appointment.room.slug,
            "manage_url": answer["manage_url"],
        }
        assert OFFSET.match(answer["start"])
        url = urlsplit(answer["manage_url"])
        assert url.scheme == "http" and url.netloc == "testserver"
        match = resolve(url.path)
        assert match.view_name == "bookings:manage"
        assert match.kwargs["reference"] == appointment.reference
        assert appointment.manage_token_matches(token_of(answer))
        assert appointment.client.email == "ada@example.com"

    def test_a_named_therapist_is_booked(self, client, clinic):
        therapist = clinic.therapists[1]
        answer = book(client, booking(clinic, therapist=therapist.slug))
        assert answer["therapist"] == therapist.slug
        assert Appointment.objects.get().therapist == therapist

    def test_a_disc_condition_books_pending_review_and_says_why(self, client, clinic):
        answer = book(client, booking(clinic, intake=clear_answers(disc_condition=True)))
        assert answer["status"] == AppointmentStatus.PENDING_REVIEW == "pending_review"
        assert answer["outcome"] == "needs_clearance"
        assert "disc" in answer["reasons"][0]

    def test_mild_back_pain_caps_the_pressure_to_light(self, client, clinic):
        intake = clear_answers(back_pain_now="mild", pressure="deep")
        answer = book(client, booking(clinic, intake=intake))
        assert answer["status"] == "confirmed"
        assert answer["outcome"] == "light_pressure"
        assert answer["effective_pressure"] == "light"
        assert Appointment.objects.get().intake.effective_pressure == "light"

    def test_osteoporosis_is_declined_with_reasons_and_contact_and_books_nothing(
        self, client, clinic
    ):
        answer = book(client, booking(clinic, intake=clear_answers(osteoporosis=True)), 422)
        assert answer["code"] == "declined"
        assert "osteoporosis" in answer["detail"]
        assert "not safe" in answer["detail"]
        assert settings.CLINIC_PHONE in answer["detail"]
        assert settings.CLINIC_EMAIL in answer["detail"]
        assert answer["errors"]["intake"] == answer["detail"]
        assert counts() == (0, 0, 0)

    def test_a_slot_just_taken_is_409_with_nearby_alternatives(self, client, clinic):
        therapist = clinic.therapists[0]
        body = booking(clinic, therapist=therapist.slug)
        book(client, body)
        answer = book(client, body, 409)
        assert answer["code"] == "taken"
        assert "just taken" in answer["detail"]
        alternatives = answer["alternatives"]
        assert 1 <= len(alternatives) <= 5
        assert {slot["therapist"] for slot in alternatives} == {therapist.slug}
        # The same day first, nearest first: nothing fits before 10:00 (09:00 would run
        # into the booking), so the nearest is 11:15, right after the 15-minute buffer.
        first_day = {dt.datetime.fromisoformat(s["start"]).date() for s in alternatives}
        assert first_day == {local_time(3, 0).date()}
        assert alternatives[0]["start"] == local_time(3, 11, 15).isoformat()
        assert body["start"] not in {slot["start"] for slot in alternatives}
        assert counts() == (1, 1, 1)

    def test_any_therapist_is_409_once_every_therapist_is_taken(self, client, clinic):
        body = booking(clinic)
        book(client, body)
        book(client, body)
        answer = book(client, body, 409)
        assert answer["code"] == "taken"
        assert answer["alternatives"]
        assert counts() == (2, 2, 2)

    @pytest.mark.parametrize("choice", ["named", "any"])
    def test_a_409s_alternatives_are_the_free_times_availability_lists(
        self, client, clinic, choice
    ):
        """The alternatives come from the schedule the booking checked under its locks, not
        from a second read: they must be what /api/availability lists for that day (and the
        next days when the day has fewer than five), nearest first."""
        therapist = clinic.therapists[0]
        named = choice == "named"
        body = booking(clinic, therapist=therapist.slug if named else "any")
        for _ in clinic.therapists if not named else [therapist]:
            book(client, body)  # every therapist who could take it, for "any"
        # Fill the day from 11:15 to 15:00 (sessions plus buffers back to back), so it keeps
        # fewer than five free times and the next days are listed too.
        for hour, minute in ((11, 15), (12, 30), (13, 45)):
            for who, room in zip(clinic.therapists, clinic.bar_rooms, strict=True):
                if named and who != therapist:
                    continue
                AppointmentFactory(
                    service=clinic.bar_60,
                    therapist=who,
                    room=room,
                    start=local_time(3, hour, minute),
                )
        answer = book(client, body, 409)
        listed = get(
            client,
            "/api/availability",
            service=clinic.bar_60.slug,
            therapist=therapist.slug if named else "any",
            date=local_time(3, 0).date().isoformat(),
            days=7,
        )["slots"]
        start = local_time(3, 10)
        day = start.date()
        same_day = sorted(
            (s for s in listed if dt.datetime.fromisoformat(s["start"]).date() == day),
            key=lambda s: abs(dt.datetime.fromisoformat(s["start"]) - start),
        )
        later = [s for s in listed if dt.datetime.fromisoformat(s["start"]).date() != day]
        assert len(same_day) < 5 <= len(same_day) + len(later)
        assert answer["alternatives"] == (same_day + later)[:5]

    def test_unknown_slugs_are_404_and_book_nothing(self, client, clinic):
        answer = book(client, booking(clinic, service="no-such-service"), 404)
        assert "service" in answer["detail"]
        answer = book(client, booking(clinic, therapist="no-such-therapist"), 404)
        assert "therapist" in answer["detail"]
        assert counts() == (0, 0, 0)

    def test_a_therapist_without_the_certification_is_refused(self, client, clinic):
        answer = book(client, booking(clinic, therapist=clinic.floor_only.slug), 422)
        assert answer["code"] == "not_qualified"
        assert set(answer["errors"]) == {"therapist"}
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize(
        ("start", "code"),
        [
            (lambda: local_time(-1, 10), "too_soon"),
            (lambda: local_time(3, 20), "outside_hours"),
            (lambda: local_time(3, 7), "outside_hours"),
            (lambda: local_time(3, 10, 7), "not_on_grid"),
            (lambda: local_time(90, 10), "too_far"),
        ],
    )
    def test_times_the_clinic_does_not_offer_are_422_with_the_reason(
        self, client, clinic, start, code
    ):
        answer = book(client, booking(clinic, start=start().isoformat()), 422)
        assert answer["code"] == code
        assert set(answer["errors"]) == {"start"}
        assert counts() == (0, 0, 0)

    def test_time_off_and_closed_days_are_refused_with_the_reason(self, client, clinic):
        therapist = clinic.therapists[0]
        TimeOff.objects.create(
            therapist=therapist, start=local_time(3, 0), end=local_time(4, 0), reason="Course"
        )
        answer = book(client, booking(clinic, therapist=therapist.slug), 422)
        assert answer["code"] == "time_off"
        ClosedDay.objects.create(date=local_time(3, 0).date(), reason="Holiday")
        answer = book(client, booking(clinic), 422)
        assert answer["code"] == "closed"
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize(
        ("change", "field"),
        [
            # missing fields
            (lambda b: b.pop("service"), "service"),
            (lambda b: b.pop("therapist"), "therapist"),
            (lambda b: b.pop("start"), "start"),
            (lambda b: b.pop("client"), "client"),
            (lambda b: b.pop("intake"), "intake"),
            (lambda b: b["client"].pop("email"), "client.email"),
            (lambda b: b["intake"].pop("consent"), "intake.consent"),
            # wrong types
            (lambda b: b.update(service=5), "service"),
            (lambda b: b.update(therapist=None), "therapist"),
            (lambda b: b.update(start=1_733_065_200), "start"),
            (lambda b: b.update(start=["2026-12-01T10:00:00-05:00"]), "start"),
            (lambda b: b.update(client="Ada"), "client"),
            (lambda b: b["client"].update(phone=2125550199), "client.phone"),
            (lambda b: b.update(intake=[True, False]), "intake"),
            (lambda b: b["intake"].update(pregnancy="maybe"), "intake.pregnancy"),
            (lambda b: b["intake"].update(pregnancy=0), "intake.pregnancy"),
            (lambda b: b["intake"].update(spinal_surgery=["no"]), "intake.spinal_surgery"),
            (lambda b: b["intake"].update(back_pain_now={"a": 1}), "intake.back_pain_now"),
            (lambda b: b["intake"].update(consent=False), "intake.consent"),
            # datetimes that do not exist or have no offset
            (lambda b: b.update(start="2026-02-30T10:00:00-05:00"), "start"),
            (lambda b: b.update(start="2026-12-01T25:00:00-05:00"), "start"),
            (lambda b: b.update(start="2026-12-01T10:00:00"), "start"),
            (lambda b: b.update(start="2026-12-01"), "start"),
            (lambda b: b.update(start="next tuesday"), "start"),
            (lambda b: b.update(start="9999-12-31T23:45:00+00:00"), "start"),
            (lambda b: b.update(start="0001-01-01T00:00:00+05:00"), "start"),
            # contact details (ContactForm's rules)
            (lambda b: b["client"].update(email="not-an-email"), "client.email"),
            (lambda b: b["client"].update(name="1234"), "client.name"),
            (lambda b: b["client"].update(phone="call me"), "client.phone"),
            (lambda b: b["client"].update(name="Ada\x00"), "client.name"),
            # huge strings
            (lambda b: b.update(service="x" * 100_000), "service"),
            (lambda b: b.update(start="2" * 100_000), "start"),
            (lambda b: b["client"].update(name="A" * 100_000), "client.name"),
            (
                lambda b: b["intake"].update(other_conditions="x" * 100_000),
                "intake.other_conditions",
            ),
            (lambda b: b["intake"].update(avoid_areas="\x00"), "intake.avoid_areas"),
            # unknown keys
            (lambda b: b["intake"].update(favourite_colour="blue"), "intake"),
            (lambda b: b.update(coupon="FREE"), "coupon"),
            (lambda b: b["client"].update(age=30), "client.age"),
        ],
    )
    def test_bad_input_is_422_per_field_and_books_nothing(self, client, clinic, change, field):
        body = booking(clinic)
        change(body)
        answer = book(client, body, 422)
        assert field in answer["errors"], answer
        assert answer["errors"][field]
        assert answer["code"] in {"invalid_request", "invalid_intake"}
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize(
        ("where", "field"), [("Ada Client", "client.name"), ("WALK", "intake.avoid_areas")]
    )
    def test_text_with_a_lone_surrogate_is_422(self, client, clinic, where, field):
        """PostgreSQL cannot store it, so it must never reach the service."""
        body = booking(clinic)
        body["intake"]["avoid_areas"] = "WALK"
        raw = json.dumps(body).replace(where, "x \\ud800")
        answer = book(client, raw, 422)
        assert set(answer["errors"]) == {field}
        assert counts() == (0, 0, 0)

    def test_a_flood_of_unknown_keys_gets_a_short_answer(self, client, clinic):
        body = booking(clinic)
        body.update({f"{i}{'k' * 150}": i for i in range(10_000)})
        answer = book(client, body, 422)
        assert len(answer["errors"]) == 50
        assert max(len(field) for field in answer["errors"]) <= 100
        assert counts() == (0, 0, 0)

    def test_every_field_error_is_reported_at_once(self, client, clinic):
        body = booking(clinic, intake=clear_answers(adult=False))
        body["client"]["email"] = "nope"
        answer = book(client, body, 422)
        assert set(answer["errors"]) == {"client.email", "intake.adult"}
        assert answer["code"] == "invalid_request"

    @pytest.mark.parametrize("body", ["{not json", '{"service": ', "\xff\xfe", "[1, 2"])
    def test_malformed_json_is_400(self, client, clinic, body):
        answer = book(client, body, 400)
        assert answer["code"] == "malformed_json"
        assert "JSON" in answer["detail"]
        assert counts() == (0, 0, 0)

    @pytest.mark.parametrize("body", ["[]", '"a string"', "null", "42", ""])
    def test_a_body_that_is_not_an_object_is_422(self, client, clinic, body):
        answer = book(client, body, 422)
        assert answer["errors"]
        assert counts() == (0, 0, 0)

    def test_a_body_over_the_upload_limit_is_413(self, client, clinic, settings):
        settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
        body = booking(clinic)
        body["intake"]["other_conditions"] = "x" * 2000
        assert book(client, body, 413)["code"] == "too_large"
        assert counts() == (0, 0, 0)


class TestCancelBooking:
    @pytest.fixture
    def booked(self, client, clinic):
        answer = book(client, booking(clinic))
        return answer["reference"], token_of(answer)

    def cancel(self, client, reference, body, status):
        return post(client, f"/api/bookings/{reference}/cancel", body, status)

    def test_the_client_cancels_and_the_slot_is_free_again(self, client, clinic, booked):
        reference, token = booked
        answer = self.cancel(client, reference, {"token": token}, 200)
        assert answer == {"reference": reference, "status": "cancelled"}
        assert Appointment.objects.get().status == AppointmentStatus.CANCELLED
        book(client, booking(clinic))

    def test_a_wrong_token_and_an_unknown_reference_get_the_same_404(self, client, booked):
        reference, token = booked
        wrong_token = self.cancel(client, reference, {"token": token[:-1] + "x"}, 404)
        unknown = self.cancel(client, "ZZZZZZZZ", {"token": token}, 404)
        malformed = self.cancel(client, "not-a-ref", {"token": token}, 404)
        odd_token = self.cancel(client, reference, {"token": "\x00 ü"}, 404)
        assert wrong_token == unknown == malformed == odd_token
        assert wrong_token["code"] == "not_found"
        assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED

    def test_the_reference_is_matched_ignoring_case_as_on_the_pages(self, client, booked):
        reference, token = booked
        answer = self.cancel(client, reference.lower(), {"token": token}, 200)
        assert answer == {"reference": reference, "status": "cancelled"}

    def test_the_cut_off_in_the_message_follows_the_setting(self, client, settings):
        settings.BOOKING_CLIENT_CHANGE_CUTOFF_HOURS = 48
        start = (timezone.now() + dt.timedelta(hours=30)).replace(second=0, microsecond=0)
        appointment = AppointmentFactory(start=start)
        answer = self.cancel(client, appointment.reference, {"token": "factory-token"}, 409)
        assert "until 48 hours before" in answer["detail"]

    def test_inside_24_hours_the_client_must_call(self, client):
        start = (timezone.now() + dt.timedelta(hours=3)).replace(second=0, microsecond=0)
        appointment = AppointmentFactory(start=start)
        answer = self.cancel(client, appointment.reference, {"token": "factory-token"}, 409)
        assert answer["code"] == "too_late_to_change"
        assert "24 hours" in answer["detail"]
        appointment.refresh_from_db()
        assert appointment.status == AppointmentStatus.CONFIRMED

    def test_too_late_after_time_travel(self, client, booked, time_machine):
        reference, token = booked
        time_machine.move_to(local_time(3, 10) - dt.timedelta(hours=23))
        answer = self.cancel(client, reference, {"token": token}, 409)
        assert answer["code"] == "too_late_to_change"

    def test_an_already_cancelled_booking_is_409(self, client, booked):
        reference, token = booked
        self.cancel(client, reference, {"token": token}, 200)
        answer = self.cancel(client, reference, {"token": token}, 409)
        assert answer["code"] == "not_changeable"
        assert "cancelled" in answer["detail"]

    @pytest.mark.parametrize(
        ("body", "status"),
        [({}, 422), ({"token": 5}, 422), ({"token": "x" * 100_000}, 422), ("{oops", 400)],
    )
    def test_bad_bodies_are_4xx(self, client, booked, body, status):
        reference, _ = booked
        answer = self.cancel(client, reference, body, status)
        assert answer["detail"]
        assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED


class TestDocumentation:
    def test_the_openapi_schema_lists_every_endpoint(self, client):
        schema = get(client, "/api/openapi.json")
        assert set(schema["paths"]) == {
            "/api/services",
            "/api/therapists",
            "/api/availability",
            "/api/bookings",
            "/api/bookings/{reference}/cancel",
            "/api/intake/questions",
        }
        responses = schema["paths"]["/api/bookings"]["post"]["responses"]
        assert {"201", "404", "409", "422"} <= set(responses)

    @pytest.mark.parametrize("path", ["/api/nope", "/api/services/", "/api/bookings/X/Y/Z"])
    def test_an_unknown_endpoint_is_a_json_404(self, client, path):
        answer = get(client, path, 404)
        assert answer["code"] == "not_found" and "/api/docs" in answer["detail"]

    def test_the_interactive_docs_load_without_a_cdn(self, client):
        response = client.get("/api/docs")
        assert response.status_code == 200
        page = response.content.decode()
        assert "/static/ninja/swagger-ui" in page
        assert "cdn." not in page


class TestOnlyJsonBodies:
    """Issue 11 item 10: another site can make a visitor's browser POST text/plain or a form
    without a CORS preflight, so the API reads a body only when it is declared as JSON."""

    @pytest.mark.parametrize(
        "content_type",
        ["text/plain", "text/plain; charset=utf-8", "application/x-www-form-urlencoded", ""],
    )
    def test_a_booking_sent_as_anything_but_json_is_415_and_books_nothing(
        self, client, clinic, content_type
    ):
        response = client.post(
            "/api/bookings", json.dumps(booking(clinic)), content_type=content_type
        )
        assert response.status_code == 415, response.content
        answer = response.json()
        assert answer["code"] == "unsupported_media_type"
        assert "Content-Type: application/json" in answer["detail"]
        assert counts() == (0, 0, 0)

    def test_json_with_a_charset_is_still_json(self, client, clinic):
        response = client.post(
            "/api/bookings",
            json.dumps(booking(clinic)),
            content_type="application/json; charset=utf-8",
        )
        assert response.status_code == 201, response.content

    def test_a_cancellation_sent_as_text_plain_is_415_and_cancels_nothing(self, client, clinic):
        answer = book(client, booking(clinic))
        response = client.post(
            f"/api/bookings/{answer['reference']}/cancel",
            json.dumps({"token": token_of(answer)}),
            content_type="text/plain",
        )
        assert response.status_code == 415
        assert Appointment.objects.get().status == AppointmentStatus.CONFIRMED
