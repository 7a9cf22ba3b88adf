"""The chart on the therapist's appointment page and its actions, per role: the session's
own therapist, another therapist (404), the front desk (only that a note exists), the
manager (reads, logged), anonymous; query counts pinned."""

import re

import pytest
from django.urls import reverse

from charts.models import Addendum, ChartAccess, ChartNote
from tests.charts.helpers import SOAP, session, signed_note
from tests.factories import ChartNoteFactory

pytestmark = pytest.mark.django_db

SESSION_SAVE = 3  # SAVEPOINT, UPDATE django_session, RELEASE (sessions idle out)


@pytest.fixture
def today(alice, ada):
    return session(
        alice,
        client=ada,
        avoid_regions=["neck", "lower_back_left"],
        focus_regions=["calf_right"],
        avoid_areas="Left knee",
    )


@pytest.fixture
def last_time(bob, ada):
    """Ada's earlier session with Bob, signed, with a plan and two regions."""
    earlier = session(bob, hours_ago=24 * 7, client=ada)
    return signed_note(
        earlier,
        hours_ago=24 * 7,
        plan="Light on the left lower back, more glute work",
        pressure_used="light",
        regions=[("glute_left", "two_foot", "medium", "Loved it")],
    )


def page(appointment):
    return reverse("therapists:appointment", args=[appointment.reference])


def save_url(appointment):
    return reverse("charts:save", args=[appointment.reference])


def posted(**changes):
    data = {
        **SOAP,
        "regions-TOTAL_FORMS": "2",
        "regions-INITIAL_FORMS": "0",
        "regions-0-region": "lower_back_right",
        "regions-0-technique": "bar",
        "regions-0-pressure": "light",
        "regions-0-client_response": "Relaxed",
        "regions-1-region": "",
    }
    data.update(changes)
    return data


def region_shape(content: str, slug: str, map_id="chart-map") -> str:
    """The class of the region's shape on the chart's body map."""
    svg = content[content.index(f'id="{map_id}"') :]
    match = re.search(rf'class="([^"]*)"[^>]*data-region="{slug}"', svg)
    assert match, slug
    return match.group(1)


class TestTheAppointmentPage:
    def test_it_opens_with_the_pre_brief(self, client, today, last_time):
        client.force_login(today.therapist.user)
        content = client.get(page(today)).content.decode()
        brief = content[content.index('id="prebrief"') : content.index("</section>")]
        assert content.index('id="prebrief"') < content.index('id="intake-heading"')
        assert "Light on the left lower back, more glute work" in brief
        assert "pressure used: <strong>light</strong>" in brief
        assert "Glute, left: two-foot, medium — Loved it" in brief
        assert "Neck; Lower back, left" in brief and "Left knee" in brief
        assert "Calf, right" in brief
        assert "Not re-confirmed yet" in brief and "No change since the intake" in brief

    def test_intake_avoid_and_focus_areas_are_pre_drawn_on_the_chart(self, client, today):
        client.force_login(today.therapist.user)
        content = client.get(page(today)).content.decode()
        assert "is-avoid" in region_shape(content, "neck")
        assert "is-avoid" in region_shape(content, "lower_back_left")
        assert "is-focus" in region_shape(content, "calf_right")
        assert region_shape(content, "glute_left") == "region"

    def test_the_own_therapist_reads_and_the_read_is_logged(self, client, today, last_time):
        ChartNoteFactory(appointment=today)
        client.force_login(today.therapist.user)
        client.get(page(today))
        logged = set(ChartAccess.objects.values_list("appointment_id", "user_id", "where"))
        user = today.therapist.user.pk
        assert logged == {
            (today.pk, user, "therapist appointment page"),
            (last_time.appointment_id, user, "therapist appointment page"),
        }

    def test_another_therapist_gets_404_and_nothing_is_logged(self, client, today, bob):
        signed_note(today)
        client.force_login(bob.user)
        assert client.get(page(today)).status_code == 404
        assert client.post(save_url(today), posted()).status_code == 404
        url = reverse("charts:addendum", args=[today.reference])
        assert client.post(url, {"text": "Mine"}).status_code == 404
        assert client.post(reverse("charts:discard", args=[today.reference])).status_code == 404
        assert not ChartAccess.objects.exists() and not Addendum.objects.exists()

    def test_anonymous_visitors_are_sent_to_log_in(self, client, today):
        for response in (client.get(page(today)), client.post(save_url(today), posted())):
            assert response.status_code == 302 and "/therapist/login/" in response["Location"]
        assert not ChartNote.objects.exists()

    def test_the_query_count_is_fixed(self, client, today, last_time, django_assert_num_queries):
        note = signed_note(today, regions=[("neck", "bar", "light", "")])
        Addendum.objects.create(note=note, author=today.therapist.user, text="Later")
        client.force_login(today.therapist.user)
        # 1 session, 2 user, 3 therapist, 4 appointment with client, service, style, room,
        # intake, 5-6 permissions, 7 INSERT intake access, 8 history, 9 earlier sessions;
        # the chart: 10 the note with author and signer, 11 its entries, 12 its addenda with
        # authors, 13 the pre-brief's last signed note with session, therapist and service,
        # 14 its entries, 15 one INSERT of both chart reads, 16 the client's clearances on
        # record (none); the re-confirmation (issue #13): 17 its last history line, 18 intake
        # revisions (none), 19 whether a link was sent; 20 whether this session treats the
        # client (asked once per page); 21 the chart's photos (none).
        with django_assert_num_queries(21 + SESSION_SAVE):
            response = client.get(page(today))
        assert response.status_code == 200


class TestStaff:
    def test_the_front_desk_sees_only_that_a_note_exists(self, client, today, front_desk):
        note = signed_note(today, plan="Secret plan")
        client.force_login(front_desk)
        listing = client.get(reverse("admin:charts_chartnote_changelist"))
        assert listing.status_code == 200
        assert today.reference in listing.content.decode()
        detail = client.get(reverse("admin:charts_chartnote_change", args=[note.pk]))
        assert detail.status_code == 200
        text = detail.content.decode()
        assert "Signed" in text and "Secret plan" not in text and SOAP["plan"] not in text
        assert "Stiff after a long flight" not in text
        assert client.get(page(today)).status_code == 404  # no portal for staff
        assert not ChartAccess.objects.exists()

    def test_the_manager_reads_the_note_and_the_read_is_logged(self, client, today, manager):
        note = signed_note(
            today, plan="Manager can read this", regions=[("neck", "bar", "light", "ok")]
        )
        user = manager
        client.force_login(user)
        detail = client.get(reverse("admin:charts_chartnote_change", args=[note.pk]))
        text = detail.content.decode()
        assert "Manager can read this" in text and "Neck" in text
        assert ChartAccess.objects.filter(
            appointment=today, user=user, where="admin chart page"
        ).exists()

    def test_the_read_log_is_for_managers_only(self, client, front_desk):
        client.force_login(front_desk)
        assert client.get(reverse("admin:charts_chartaccess_changelist")).status_code == 403


class TestActions:
    def test_a_draft_is_saved_then_signed(self, client, today):
        client.force_login(today.therapist.user)
        response = client.post(save_url(today), posted())
        assert response.status_code == 302
        note = ChartNote.objects.get()
        assert not note.is_signed
        assert list(note.entries.values_list("region", flat=True)) == ["lower_back_right"]
        content = client.get(page(today)).content.decode()
        assert "is-worked" in region_shape(content, "lower_back_right")
        assert "Draft" in content
        response = client.post(save_url(today), posted(sign="1"))
        assert response.status_code == 302
        note.refresh_from_db()
        assert note.is_signed and note.signed_by == today.therapist.user

    def test_signing_an_incomplete_note_saves_the_draft_and_says_why(self, client, today):
        client.force_login(today.therapist.user)
        response = client.post(save_url(today), posted(plan="", sign="1"))
        assert response.status_code == 400
        assert "Draft saved, not signed: Please fill in plan" in response.content.decode()
        assert not ChartNote.objects.get().is_signed

    def test_a_signed_note_refuses_edits(self, client, today):
        note = signed_note(today, plan="As signed")
        client.force_login(today.therapist.user)
        content = client.get(page(today)).content.decode()
        assert reverse("charts:save", args=[today.reference]) not in content
        response = client.post(save_url(today), posted(plan="Rewritten"))
        assert response.status_code == 400
        assert "signed and read-only" in response.content.decode()
        note.refresh_from_db()
        assert note.plan == "As signed"

    def test_an_addendum_is_added_with_author_and_time(self, client, today):
        signed_note(today)
        client.force_login(today.therapist.user)
        url = reverse("charts:addendum", args=[today.reference])
        assert client.post(url, {"text": "Pressure was medium"}).status_code == 302
        addendum = Addendum.objects.get()
        assert addendum.author == today.therapist.user
        content = client.get(page(today)).content.decode()
        assert "Pressure was medium" in content
        assert client.post(url, {"text": "  "}).status_code == 400

    def test_bad_region_rows_are_a_400_with_the_input_kept(self, client, today):
        client.force_login(today.therapist.user)
        response = client.post(
            save_url(today), posted(**{"regions-0-region": "spleen", "plan": "Keep me"})
        )
        assert response.status_code == 400
        assert "Keep me" in response.content.decode()
        assert not ChartNote.objects.exists()

    def test_a_session_not_started_shows_no_form(self, client, alice, ada):
        later = session(alice, hours_ago=-3, client=ada)
        client.force_login(alice.user)
        content = client.get(page(later)).content.decode()
        assert "once it has started" in content
        assert save_url(later) not in content
        assert client.post(save_url(later), posted()).status_code == 400

    def test_the_draft_can_be_discarded(self, client, today):
        ChartNoteFactory(appointment=today)
        client.force_login(today.therapist.user)
        assert client.post(reverse("charts:discard", args=[today.reference])).status_code == 302
        assert not ChartNote.objects.exists()


def test_the_day_card_shows_the_intakes_avoid_areas(client, today):
    client.force_login(today.therapist.user)
    from django.utils import timezone

    day = timezone.localdate(today.start).isoformat()
    content = client.get(reverse("therapists:day", args=[day])).content.decode()
    assert "<strong>Neck; Lower back, left</strong> · <strong>Left knee</strong>" in content
