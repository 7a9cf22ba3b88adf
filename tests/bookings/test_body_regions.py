"""The body map in the intake: one catalogue, validated in one place (`screening`), accepted
by the booking pages and the JSON API, refused with a 4xx when a region is unknown."""

import pytest

from bookings.forms import IntakeForm
from bookings.models import Appointment
from health import body_regions, screening
from health.models import Intake
from health.screening import InvalidAnswers, clear_answers
from tests.bookings.clinic import build_clinic, local_time
from tests.bookings.test_api import book, booking, counts
from tests.bookings.test_booking_pages import CONTACT, flow_urls, form_answers


class TestCatalogue:
    def test_regions_have_unique_slugs_and_labels_on_both_views(self):
        slugs = [r.slug for r in body_regions.REGIONS]
        assert len(slugs) == len(set(slugs))
        assert len({r.label for r in body_regions.REGIONS}) == len(slugs)
        assert {r.view for r in body_regions.REGIONS} == {body_regions.BACK, body_regions.FRONT}
        for name in ("neck", "upper_back_left", "mid_back_right", "lower_back_left", "glute_right"):
            assert body_regions.is_region(name)
        assert {"hamstring_left", "calf_right", "shoulder_left"} <= set(slugs)

    def test_shapes_fit_their_figure_and_never_overlap(self):
        for r in body_regions.REGIONS:
            assert r.x >= 0 and r.x + r.width <= body_regions.FIGURE_WIDTH
            assert r.y >= 0 and r.y + r.height <= body_regions.FIGURE_HEIGHT
        for a in body_regions.REGIONS:
            for b in body_regions.REGIONS:
                if a.slug < b.slug and a.view == b.view:
                    apart = (
                        a.x + a.width <= b.x
                        or b.x + b.width <= a.x
                        or a.y + a.height <= b.y
                        or b.y + b.height <= a.y
                    )
                    assert apart, (a.slug, b.slug)

    def test_the_clients_left_is_on_the_viewers_left_on_the_back_and_right_on_the_front(self):
        by = body_regions.REGIONS_BY_SLUG
        assert by["upper_back_left"].x < by["upper_back_right"].x
        assert by["chest_left"].x > by["chest_right"].x


class TestScreening:
    def test_regions_are_kept_once_each_in_catalogue_order(self):
        answers = screening.validate_answers(
            clear_answers(avoid_regions=["calf_left", "neck", "neck"], focus_regions=["glute_left"])
        )
        assert answers["avoid_regions"] == ["neck", "calf_left"]
        assert answers["focus_regions"] == ["glute_left"]

    def test_missing_regions_mean_none_so_older_clients_still_book(self):
        answers = clear_answers()
        del answers["avoid_regions"], answers["focus_regions"]
        cleaned = screening.validate_answers(answers)
        assert cleaned["avoid_regions"] == [] and cleaned["focus_regions"] == []

    @pytest.mark.parametrize(
        "bad", [["spleen"], "neck", [1], [["neck"]], {"neck": True}, ["neck", "elbow"]]
    )
    def test_an_unknown_region_or_a_wrong_shape_is_refused(self, bad):
        with pytest.raises(InvalidAnswers) as error:
            screening.validate_answers(clear_answers(avoid_regions=bad))
        assert "avoid_regions" in error.value.errors

    def test_a_region_cannot_be_both_avoided_and_focused_on(self):
        with pytest.raises(InvalidAnswers) as error:
            screening.validate_answers(
                clear_answers(avoid_regions=["neck"], focus_regions=["neck", "calf_left"])
            )
        assert "Neck" in error.value.errors["focus_regions"]

    def test_regions_never_change_the_outcome(self):
        result = screening.screen(clear_answers(avoid_regions=["lower_back_left"]))
        assert result.outcome == "clear"


@pytest.mark.django_db
class TestIntakeForm:
    def test_the_form_draws_the_map_with_a_checkbox_per_region_and_keeps_choices(self):
        form = IntakeForm(form_answers(avoid_regions=["neck", "glute_left"]))
        assert form.is_valid(), form.errors
        assert form.answers()["avoid_regions"] == ["neck", "glute_left"]

    def test_an_unknown_region_is_a_form_error(self):
        form = IntakeForm({**form_answers(), "avoid_regions": ["spleen"]})
        assert not form.is_valid()
        assert "avoid_regions" in form.errors


@pytest.mark.django_db
class TestBookingPages:
    def test_regions_ticked_in_the_intake_are_stored_with_the_booking(self, client):
        build_clinic()
        urls = flow_urls()
        page = client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        content = page.content.decode()
        assert content.count('data-region="neck"') == 2  # the avoid map and the focus map
        assert 'name="avoid_regions" value="upper_back_left"' in content
        assert "js/body-map.js" in content and "<script>" not in content and "style=" not in content
        posted = form_answers(
            avoid_regions=["lower_back_left", "neck"], focus_regions=["calf_right"]
        )
        assert client.post(urls["intake"], posted).status_code == 302
        assert client.post(urls["contact"], CONTACT).status_code == 302
        review = client.get(urls["review"]).content.decode()
        assert "Neck; Lower back, left" in review and "Calf, right" in review
        assert client.post(urls["review"]).status_code == 302
        answers = Appointment.objects.get().intake.answers
        assert answers["avoid_regions"] == ["neck", "lower_back_left"]
        assert answers["focus_regions"] == ["calf_right"]

    def test_an_unknown_region_posted_to_the_intake_is_a_400_and_stores_nothing(self, client):
        build_clinic()
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        response = client.post(urls["intake"], {**form_answers(), "avoid_regions": ["spleen"]})
        assert response.status_code == 400
        assert "is not one of the available choices" in response.content.decode()
        assert not Intake.objects.exists()

    def test_the_map_shows_what_was_ticked_when_the_page_comes_back(self, client):
        build_clinic()
        urls = flow_urls()
        client.get(urls["intake"], {"start": local_time(3, 10).isoformat()})
        posted = form_answers(avoid_regions=["neck"], focus_regions=["neck"])
        response = client.post(urls["intake"], posted)
        assert response.status_code == 400
        content = response.content.decode()
        assert "cannot be both avoided and focused on: Neck" in content
        assert 'class="region is-avoid"' in content and 'class="region is-focus"' in content


@pytest.mark.django_db
class TestApi:
    def test_the_api_accepts_regions_and_stores_them(self, client):
        clinic = build_clinic()
        body = booking(clinic)
        body["intake"].update(avoid_regions=["mid_back_right"], focus_regions=["hamstring_left"])
        book(client, body)
        answers = Intake.objects.get().answers
        assert answers["avoid_regions"] == ["mid_back_right"]
        assert answers["focus_regions"] == ["hamstring_left"]

    def test_the_api_books_without_regions_as_before(self, client):
        clinic = build_clinic()
        body = booking(clinic)
        del body["intake"]["avoid_regions"], body["intake"]["focus_regions"]
        book(client, body)
        assert Intake.objects.get().answers["avoid_regions"] == []

    @pytest.mark.parametrize("bad", [["spleen"], "neck", [{"x": 1}], ["neck"] * 100])
    def test_an_unknown_region_is_422_and_books_nothing(self, client, bad):
        clinic = build_clinic()
        body = booking(clinic)
        body["intake"]["avoid_regions"] = bad
        answer = book(client, body, 422)
        assert answer["errors"]["intake.avoid_regions"]
        assert counts() == (0, 0, 0)
