"""Therapists and credentials in the admin: who may verify, what expires soon and which
bookings that touches, and the front desk keeping working hours and time off (issue 5)."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import timezone

from tests.bookings.clinic import build_clinic, local_time, qualify, work_every_day
from tests.factories import AppointmentFactory, CredentialFactory, TherapistFactory
from tests.people import request_queries
from therapists.models import Credential, CredentialKind, TimeOff, WorkingHours

pytestmark = pytest.mark.django_db

ADMIN_LOGIN = "/admin/login/"


def as_user(client, user):
    if user is not None:
        client.force_login(user)
    return client


class FormFields(HTMLParser):
    """What a browser would submit from the form with `form_id` (no empty inline templates)."""

    def __init__(self, form_id: str):
        super().__init__()
        self.form_id, self.inside, self.data = form_id, False, {}
        self.select: str | None = None
        self.first_option: str | None = None
        self.textarea: str | None = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "form":
            self.inside = attrs.get("id") == self.form_id
        if not self.inside or "__prefix__" in (attrs.get("name") or ""):
            return
        name = attrs.get("name")
        if tag == "input" and name and attrs.get("type") not in ("submit", "button"):
            if attrs.get("type") in ("checkbox", "radio"):
                if "checked" in attrs:
                    self.data[name] = attrs.get("value", "on")
            else:
                self.data[name] = attrs.get("value") or ""
        elif tag == "select" and name:
            self.select, self.first_option = name, None
        elif tag == "option" and self.select:
            if self.first_option is None:
                self.first_option = attrs.get("value", "")
                self.data.setdefault(self.select, self.first_option)
            if "selected" in attrs:
                self.data[self.select] = attrs.get("value", "")
        elif tag == "textarea" and name:
            self.textarea = name
            self.data[name] = ""

    def handle_endtag(self, tag):
        if tag == "form":
            self.inside = False
        elif tag == "select":
            self.select = None
        elif tag == "textarea":
            self.textarea = None

    def handle_data(self, data):
        if self.textarea:
            self.data[self.textarea] += data.lstrip("\n")


def submitted(response, form_id: str) -> dict[str, str]:
    parser = FormFields(form_id)
    parser.feed(response.content.decode())
    return parser.data


# --- Permission matrix --------------------------------------------------------------------

OK, FORBIDDEN, LOGIN, REDIRECT = 200, 403, "login", 302
STAFF_PAGE = {
    "desk": OK,
    "manager": OK,
    "therapist": LOGIN,
    "no_role": FORBIDDEN,
    "anonymous": LOGIN,
}

PAGES = {
    "credential list": lambda c: reverse("admin:therapists_credential_changelist"),
    "credential page": lambda c: reverse("admin:therapists_credential_change", args=[c.pk]),
    "expiring soon": lambda c: reverse("admin:therapists_credential_expiring"),
    "therapist list": lambda c: reverse("admin:therapists_therapist_changelist"),
    "therapist page": lambda c: reverse("admin:therapists_therapist_change", args=[c.therapist_id]),
    "working hours": lambda c: reverse("admin:therapists_workinghours_changelist"),
    "time off": lambda c: reverse("admin:therapists_timeoff_add"),
}


def _check(response, expected):
    if expected == LOGIN:
        assert response.status_code == 302
        assert response["Location"].startswith(ADMIN_LOGIN)
    else:
        assert response.status_code == expected


@pytest.mark.parametrize("who", list(STAFF_PAGE))
@pytest.mark.parametrize("page", list(PAGES))
def test_each_page_answers_as_the_role_allows(client, clinic, people, who, page):
    credential = clinic.therapists[0].credentials.first()
    response = as_user(client, people[who]).get(PAGES[page](credential))
    _check(response, STAFF_PAGE[who])


VERIFY = {**STAFF_PAGE, "desk": FORBIDDEN, "manager": REDIRECT}


@pytest.mark.parametrize("who", list(VERIFY))
def test_only_the_manager_may_verify_a_credential(client, clinic, people, who):
    credential = CredentialFactory(therapist=clinic.therapists[0], verified_at=None)
    response = as_user(client, people[who]).post(
        reverse("admin:therapists_credential_verify", args=[credential.pk])
    )
    _check(response, VERIFY[who])
    credential.refresh_from_db()
    assert (credential.verified_at is not None) == (who == "manager")


# --- Verifying ----------------------------------------------------------------------------


class TestVerify:
    def test_records_who_and_when(self, client, clinic, manager):
        credential = CredentialFactory(therapist=clinic.therapists[0], verified_at=None)
        before = timezone.now()
        response = as_user(client, manager).post(
            reverse("admin:therapists_credential_verify", args=[credential.pk]), follow=True
        )
        credential.refresh_from_db()
        assert credential.verified_by == manager
        assert before <= credential.verified_at <= timezone.now()
        assert "is verified" in response.content.decode()
        assert "Verified by boss" in response.content.decode()

    def test_verifying_twice_keeps_the_first_verification(self, client, clinic, manager):
        credential = clinic.therapists[0].credentials.first()
        first = (credential.verified_at, credential.verified_by)
        response = as_user(client, manager).post(
            reverse("admin:therapists_credential_verify", args=[credential.pk]), follow=True
        )
        credential.refresh_from_db()
        assert (credential.verified_at, credential.verified_by) == first
        assert "already verified" in response.content.decode()

    def test_the_verify_button_shows_only_to_the_manager_and_only_when_needed(
        self, client, clinic, manager, front_desk
    ):
        credential = CredentialFactory(therapist=clinic.therapists[0], verified_at=None)
        url = reverse("admin:therapists_credential_change", args=[credential.pk])
        assert b"Verify credential" in as_user(client, manager).get(url).content
        assert b"Verify credential" not in as_user(client, front_desk).get(url).content

    def test_verify_is_a_post(self, client, clinic, manager):
        credential = CredentialFactory(therapist=clinic.therapists[0], verified_at=None)
        response = as_user(client, manager).get(
            reverse("admin:therapists_credential_verify", args=[credential.pk])
        )
        assert response.status_code == 405

    def test_the_list_action_verifies_the_selected(self, client, clinic, manager):
        waiting = [
            CredentialFactory(therapist=clinic.therapists[0], verified_at=None) for _ in range(2)
        ]
        as_user(client, manager).post(
            reverse("admin:therapists_credential_changelist"),
            {
                "action": "verify_selected",
                "_selected_action": [c.pk for c in waiting],
                "index": 0,
            },
        )
        assert set(
            Credential.objects.filter(pk__in=[c.pk for c in waiting]).values_list(
                "verified_by", flat=True
            )
        ) == {manager.pk}

    def test_the_front_desk_has_no_verify_action(self, client, clinic, front_desk):
        credential = CredentialFactory(therapist=clinic.therapists[0], verified_at=None)
        response = as_user(client, front_desk).post(
            reverse("admin:therapists_credential_changelist"),
            {"action": "verify_selected", "_selected_action": [credential.pk], "index": 0},
        )
        assert response.status_code in (200, 302)
        credential.refresh_from_db()
        assert credential.verified_at is None

    def test_changing_a_verified_credential_needs_verifying_again(self, client, clinic, manager):
        credential = clinic.therapists[0].credentials.get(kind=CredentialKind.BAR_CERTIFICATION)
        url = reverse("admin:therapists_credential_change", args=[credential.pk])
        data = submitted(as_user(client, manager).get(url), "credential_form")
        data["expires_on"] = (timezone.localdate() + dt.timedelta(days=900)).isoformat()
        response = client.post(url, {**data, "_continue": "Save"}, follow=True)
        assert "needs verifying again" in response.content.decode()
        credential.refresh_from_db()
        assert (credential.verified_at, credential.verified_by) == (None, None)

    def test_verification_is_not_editable_as_a_field(self, client, clinic, manager):
        credential = CredentialFactory(therapist=clinic.therapists[0], verified_at=None)
        url = reverse("admin:therapists_credential_change", args=[credential.pk])
        data = submitted(as_user(client, manager).get(url), "credential_form")
        assert "verified_at" not in data and "verified_by" not in data
        client.post(url, {**data, "verified_at": "2020-01-01", "verified_by": manager.pk})
        credential.refresh_from_db()
        assert credential.verified_at is None


# --- Expiring soon ------------------------------------------------------------------------


@pytest.fixture
def expiring(clinic):
    """A bar therapist whose bar certification expires in 10 days."""
    therapist = TherapistFactory(display_name="Aiko Tanaka")
    qualify(therapist, CredentialKind.FLOOR_CERTIFICATION)
    work_every_day(therapist)
    return CredentialFactory(
        therapist=therapist,
        kind=CredentialKind.BAR_CERTIFICATION,
        expires_on=timezone.localdate() + dt.timedelta(days=10),
    )


def booked(clinic, therapist, start, *, service=None, room=None, **kwargs):
    return AppointmentFactory(
        therapist=therapist,
        service=service or clinic.bar_60,
        room=room or clinic.bar_rooms[0],
        start=start,
        **kwargs,
    )


class TestExpiring:
    def affected(self, client, user) -> dict[str, list[str]]:
        response = as_user(client, user).get(reverse("admin:therapists_credential_expiring"))
        assert response.status_code == 200
        return {
            f"{row['credential'].therapist}: {row['credential'].get_kind_display()}": [
                appointment.reference for appointment, _ in row["affected"]
            ]
            for row in response.context["rows"]
        }

    def test_names_the_bookings_left_without_a_qualified_therapist(
        self, client, clinic, front_desk, expiring
    ):
        therapist = expiring.therapist
        after_expiry = booked(clinic, therapist, local_time(15, 10))
        before_expiry = booked(clinic, therapist, local_time(5, 10))
        on_expiry_day = booked(clinic, therapist, local_time(10, 10))
        floor_after = booked(
            clinic, therapist, local_time(16, 10), service=clinic.floor_60, room=clinic.mat_room
        )
        cancelled = booked(clinic, therapist, local_time(17, 10), status="cancelled")
        colleague = booked(
            clinic, clinic.therapists[0], local_time(15, 10), room=clinic.bar_rooms[1]
        )
        assert self.affected(client, front_desk) == {
            "Aiko Tanaka: Bar therapy certification": [after_expiry.reference]
        }
        content = client.get(reverse("admin:therapists_credential_expiring")).content.decode()
        assert after_expiry.reference in content
        for other in (before_expiry, on_expiry_day, floor_after, cancelled, colleague):
            assert other.reference not in content

    def test_a_verified_renewal_on_file_leaves_nothing_affected(
        self, client, clinic, front_desk, expiring
    ):
        booked(clinic, expiring.therapist, local_time(15, 10))
        CredentialFactory(
            therapist=expiring.therapist,
            kind=CredentialKind.BAR_CERTIFICATION,
            issued_on=timezone.localdate(),
            expires_on=timezone.localdate() + dt.timedelta(days=700),
        )
        assert self.affected(client, front_desk) == {"Aiko Tanaka: Bar therapy certification": []}
        assert (
            b"Renewal on file"
            in client.get(reverse("admin:therapists_credential_expiring")).content
        )

    def test_an_unverified_renewal_does_not_count(self, client, clinic, front_desk, expiring):
        appointment = booked(clinic, expiring.therapist, local_time(15, 10))
        CredentialFactory(
            therapist=expiring.therapist,
            kind=CredentialKind.BAR_CERTIFICATION,
            issued_on=timezone.localdate(),
            expires_on=timezone.localdate() + dt.timedelta(days=700),
            verified_at=None,
        )
        assert self.affected(client, front_desk) == {
            "Aiko Tanaka: Bar therapy certification": [appointment.reference]
        }

    def test_an_expiring_massage_licence_touches_every_style(self, client, clinic, manager):
        therapist = clinic.therapists[0]
        therapist.credentials.filter(kind=CredentialKind.MASSAGE_LICENCE).update(
            expires_on=timezone.localdate() + dt.timedelta(days=3)
        )
        bar = booked(clinic, therapist, local_time(6, 10))
        floor = booked(
            clinic, therapist, local_time(7, 10), service=clinic.floor_60, room=clinic.mat_room
        )
        assert self.affected(client, manager) == {
            f"{therapist}: Massage licence": [bar.reference, floor.reference]
        }

    def test_lists_only_the_next_30_days_of_verified_expiries(self, client, clinic, front_desk):
        therapist = clinic.therapists[0]
        CredentialFactory(
            therapist=therapist, expires_on=timezone.localdate() + dt.timedelta(days=31)
        )
        CredentialFactory(
            therapist=therapist, expires_on=timezone.localdate() - dt.timedelta(days=1)
        )
        CredentialFactory(
            therapist=therapist,
            expires_on=timezone.localdate() + dt.timedelta(days=5),
            verified_at=None,
        )
        assert self.affected(client, front_desk) == {}

    # Besides the request (see `request_queries`): the expiring credentials with therapist and
    # verifier (1); every verified credential of those therapists (1); their future bookings
    # after the first expiry, with client, service, style and room (1).
    QUERIES = 3

    @pytest.mark.parametrize("therapists", [1, 5])
    def test_the_query_count_does_not_grow(
        self, client, clinic, front_desk, django_assert_num_queries, therapists
    ):
        for index in range(therapists):
            therapist = TherapistFactory()
            qualify(therapist, CredentialKind.BAR_CERTIFICATION)
            therapist.credentials.filter(kind=CredentialKind.BAR_CERTIFICATION).update(
                expires_on=timezone.localdate() + dt.timedelta(days=5)
            )
            booked(clinic, therapist, local_time(10, 9 + index), room=clinic.bar_rooms[index % 2])
        as_user(client, front_desk)
        with django_assert_num_queries(request_queries() + self.QUERIES):
            response = client.get(reverse("admin:therapists_credential_expiring"))
        assert sum(len(row["affected"]) for row in response.context["rows"]) == therapists


# --- The therapist page -------------------------------------------------------------------


class TestTherapistPage:
    def test_the_front_desk_adds_working_hours_but_cannot_change_the_therapist(
        self, client, clinic, front_desk
    ):
        therapist = clinic.therapists[0]
        url = reverse("admin:therapists_therapist_change", args=[therapist.pk])
        data = submitted(as_user(client, front_desk).get(url), "therapist_form")
        assert "display_name" not in data
        assert not any(key.startswith("credentials-0-") and key.endswith("number") for key in data)
        count = int(data["working_hours-TOTAL_FORMS"])
        data.update(
            {
                "working_hours-TOTAL_FORMS": str(count + 1),
                f"working_hours-{count}-therapist": str(therapist.pk),
                f"working_hours-{count}-weekday": "6",
                f"working_hours-{count}-start": "18:00",
                f"working_hours-{count}-end": "20:00",
                "display_name": "Renamed by the desk",
                "_save": "Save",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 302, response.context["errors"]
        therapist.refresh_from_db()
        assert therapist.display_name != "Renamed by the desk"
        assert therapist.working_hours.filter(weekday=6, start=dt.time(18)).exists()

    def test_overlapping_working_hours_are_refused(self, client, clinic, manager):
        therapist = clinic.therapists[0]
        url = reverse("admin:therapists_therapist_change", args=[therapist.pk])
        data = submitted(as_user(client, manager).get(url), "therapist_form")
        count = int(data["working_hours-TOTAL_FORMS"])
        data.update(
            {
                "working_hours-TOTAL_FORMS": str(count + 1),
                f"working_hours-{count}-therapist": str(therapist.pk),
                f"working_hours-{count}-weekday": "0",
                f"working_hours-{count}-start": "16:00",
                f"working_hours-{count}-end": "18:00",
                "_save": "Save",
            }
        )
        response = client.post(url, data)
        assert response.status_code == 200
        assert "Two working intervals overlap on Monday" in response.content.decode()
        assert therapist.working_hours.count() == 7

    def test_the_manager_edits_a_credential_inline_and_it_needs_verifying_again(
        self, client, clinic, manager
    ):
        therapist = clinic.therapists[0]
        url = reverse("admin:therapists_therapist_change", args=[therapist.pk])
        data = submitted(as_user(client, manager).get(url), "therapist_form")
        number_field = next(
            k for k in data if k.startswith("credentials-") and k.endswith("number")
        )
        data[number_field] = "NEW-123"
        response = client.post(url, {**data, "_save": "Save"})
        assert response.status_code == 302
        changed = Credential.objects.get(number="NEW-123")
        assert changed.verified_at is None

    def test_time_off_over_a_booking_warns_with_a_link(self, client, clinic, front_desk):
        therapist = clinic.therapists[0]
        appointment = booked(clinic, therapist, local_time(3, 10))
        response = as_user(client, front_desk).post(
            reverse("admin:therapists_timeoff_add"),
            {
                "therapist": therapist.pk,
                "start_0": local_time(3, 0).date().isoformat(),
                "start_1": "09:00",
                "end_0": local_time(3, 0).date().isoformat(),
                "end_1": "13:00",
                "reason": "Dentist",
            },
            follow=True,
        )
        assert TimeOff.objects.filter(therapist=therapist).exists()
        content = response.content.decode()
        assert "overlaps 1 booked session" in content
        assert reverse("admin:bookings_appointment_change", args=[appointment.pk]) in content

    # Besides the request: the filtered and the full count (2); the page of therapists (1)
    # and their credentials valid today (1).
    LIST_QUERIES = 4

    @pytest.mark.parametrize("extra", [0, 10])
    def test_the_list_query_count_does_not_grow(
        self, client, front_desk, django_assert_num_queries, extra
    ):
        clinic = build_clinic(therapists=1 + extra)
        assert WorkingHours.objects.exists() and clinic
        as_user(client, front_desk)
        with django_assert_num_queries(request_queries() + self.LIST_QUERIES):
            response = client.get(reverse("admin:therapists_therapist_changelist"))
        assert "floor, bar" in response.content.decode()
