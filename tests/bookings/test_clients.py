"""One record per person: merging two client records, confirming one, who may do it, and
what the therapist sees afterwards (bookings/clients.py, the Clients admin)."""

import datetime as dt

import pytest
from django.contrib.auth.models import AnonymousUser, Permission
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from bookings import clients
from bookings.models import AppointmentEvent, AppointmentStatus
from bookings.roles import CLINIC_MANAGER, FRONT_DESK
from clients.models import Client, ClientMerge
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import (
    AppointmentFactory,
    ClientFactory,
    IntakeFactory,
    ServiceFactory,
)
from tests.people import staff_member
from waitlist.models import WaitlistEntry

pytestmark = pytest.mark.django_db


def book(therapist, start, client, **kwargs):
    return AppointmentFactory(
        therapist=therapist,
        start=start,
        client=client,
        intake=IntakeFactory(answers=clear_answers()),
        **kwargs,
    )


@pytest.fixture
def two_records(alice, bob):
    """Ada booked twice signed out, with two spellings of her address: two rows."""
    old = ClientFactory(name="Ada Lovelace", email="ada@old.example")
    new = ClientFactory(name="Ada Lovelace", email="ada@new.example")
    past = book(bob, local_time(-10, 10), old, status=AppointmentStatus.COMPLETED)
    today = book(alice, local_time(0, 0) + dt.timedelta(hours=1), new)
    return old, new, past, today


class TestClientMerge:
    def test_it_moves_the_bookings_writes_history_and_an_audit_row(self, two_records, front_desk):
        old, new, past, today = two_records
        audit = clients.client_merge(keep=new, merge=old, by=front_desk)
        past.refresh_from_db()
        old.refresh_from_db()
        new.refresh_from_db()
        assert past.client == new and past.intake.appointment.client == new
        assert old.merged_into == new
        assert new.is_confirmed and new.confirmed_by == Client.ConfirmedBy.CLINIC
        event = AppointmentEvent.objects.get(appointment=past, kind="merged")
        assert event.actor == front_desk and event.details == {
            "from_client": old.pk,
            "to_client": new.pk,
        }
        assert (audit.kept, audit.merged, audit.by, audit.appointments_moved) == (
            new,
            old,
            front_desk,
            1,
        )

    @pytest.mark.parametrize("role", [CLINIC_MANAGER, FRONT_DESK])
    def test_clinic_managers_and_the_front_desk_may_merge(self, two_records, role):
        old, new, *_ = two_records
        clients.client_merge(keep=new, merge=old, by=staff_member("someone", role))
        assert ClientMerge.objects.count() == 1

    @pytest.mark.parametrize("who", ["staff_without_role", "therapist", "anonymous"])
    def test_anyone_else_is_refused_and_nothing_moves(self, two_records, who):
        old, new, past, _ = two_records
        by = {
            "staff_without_role": lambda: staff_member("plain", None),
            "therapist": lambda: past.therapist.user,
            "anonymous": AnonymousUser,
        }[who]()
        with pytest.raises(PermissionDenied):
            clients.client_merge(keep=new, merge=old, by=by)
        past.refresh_from_db()
        assert past.client == old and not ClientMerge.objects.exists()

    def test_a_record_cannot_be_merged_into_itself_or_twice(self, two_records, manager):
        old, new, *_ = two_records
        with pytest.raises(clients.MergeError):
            clients.client_merge(keep=new, merge=new, by=manager)
        clients.client_merge(keep=new, merge=old, by=manager)
        with pytest.raises(clients.MergeError, match="already merged"):
            clients.client_merge(keep=old, merge=new, by=manager)

    def test_waitlist_entries_move_with_the_record(self, two_records, manager):
        old, new, *_ = two_records
        entry = WaitlistEntry.objects.create(
            service=ServiceFactory(),
            first_day=timezone.localdate(),
            last_day=timezone.localdate() + dt.timedelta(days=7),
            name="Ada L",
            email="ADA@old.example",
            phone="1",
            answers=clear_answers(),
        )
        clients.client_merge(keep=new, merge=old, by=manager)
        entry.refresh_from_db()
        assert entry.email == "ada@new.example" and entry.name == "Ada Lovelace"

    def test_a_failing_receiver_undoes_the_whole_merge(self, two_records, manager):
        """All in one transaction: an app above bookings that fails leaves nothing moved."""
        old, new, past, _ = two_records

        def broken(**kwargs):
            raise RuntimeError("waitlist down")

        clients.client_merged.connect(broken, dispatch_uid="test-broken")
        try:
            with pytest.raises(RuntimeError):
                clients.client_merge(keep=new, merge=old, by=manager)
        finally:
            clients.client_merged.disconnect(dispatch_uid="test-broken")
        past.refresh_from_db()
        old.refresh_from_db()
        assert past.client == old and old.merged_into is None
        assert not ClientMerge.objects.exists() and not AppointmentEvent.objects.exists()


class TestEarlierSessionsAfterAMerge:
    """Issue #11 item 5 showed earlier sessions only through the same row; a merge by
    staff who checked is how they come back, to the session's own therapist only."""

    def test_the_own_therapist_sees_them_and_another_still_gets_404(
        self, client, two_records, manager, bob
    ):
        old, new, past, today = two_records
        url = reverse("therapists:appointment", args=[today.reference])
        client.force_login(today.therapist.user)
        assert client.get(url).context["past_sessions"] == []
        clients.client_merge(keep=new, merge=old, by=manager)
        past_sessions = client.get(url).context["past_sessions"]
        assert [a.pk for a in past_sessions] == [past.pk]
        client.force_login(bob.user)
        assert client.get(url).status_code == 404


class TestClientAdmin:
    def changelist(self):
        return reverse("admin:clients_client_changelist")

    def test_the_front_desk_finds_a_client_by_name_or_email(self, client, two_records, front_desk):
        old, new, *_ = two_records
        ClientFactory(name="Someone Else", email="else@example.com")
        client.force_login(front_desk)
        for q in ["lovelace", "ada@old"]:
            response = client.get(self.changelist(), {"q": q})
            assert response.status_code == 200
            assert set(response.context["cl"].result_list) >= {old}
            assert "Someone Else" not in response.content.decode()

    def test_the_record_page_lists_every_visit(self, client, two_records, front_desk):
        old, new, past, today = two_records
        clients.client_merge(keep=new, merge=old, by=front_desk)
        client.force_login(front_desk)
        page = client.get(reverse("admin:clients_client_change", args=[new.pk])).content.decode()
        assert past.reference in page and today.reference in page

    def test_the_merge_action_asks_which_to_keep_then_merges(self, client, two_records, front_desk):
        old, new, past, _ = two_records
        client.force_login(front_desk)
        data = {"action": "merge_records", "_selected_action": [old.pk, new.pk]}
        ask = client.post(self.changelist(), data)
        assert ask.status_code == 200 and b"same person" in ask.content
        done = client.post(self.changelist(), {**data, "keep": new.pk}, follow=True)
        assert b"1 booking(s) moved" in done.content
        past.refresh_from_db()
        assert past.client == new

    def test_merging_one_or_three_records_is_refused_with_a_message(
        self, client, two_records, front_desk
    ):
        old, new, *_ = two_records
        third = ClientFactory()
        client.force_login(front_desk)
        response = client.post(
            self.changelist(),
            {
                "action": "merge_records",
                "_selected_action": [old.pk, new.pk, third.pk],
                "keep": old.pk,
            },
            follow=True,
        )
        assert b"exactly two" in response.content and not ClientMerge.objects.exists()

    def test_staff_without_the_role_do_not_get_the_action(self, client, two_records):
        old, new, *_ = two_records
        plain = staff_member("plain", None)
        plain.user_permissions.add(
            *Permission.objects.filter(codename__in=["view_client", "change_client"])
        )
        client.force_login(plain)
        response = client.post(
            self.changelist(),
            {"action": "merge_records", "_selected_action": [old.pk, new.pk], "keep": new.pk},
        )
        assert response.status_code in (200, 302) and not ClientMerge.objects.exists()

    def test_confirm_identity_marks_the_record(self, client, two_records, front_desk):
        old, *_ = two_records
        client.force_login(front_desk)
        client.post(self.changelist(), {"action": "confirm_identity", "_selected_action": [old.pk]})
        old.refresh_from_db()
        assert old.confirmed_by == Client.ConfirmedBy.CLINIC and old.confirmed_at


class TestMergedRecordsAndPrivacy:
    def test_erasing_the_kept_record_erases_the_folded_rows_too(self, two_records, manager):
        from bookings import privacy

        old, new, past, _ = two_records
        clients.client_merge(keep=new, merge=old, by=manager)
        privacy.client_erase(email=new.email, user=manager)
        old.refresh_from_db()
        assert old.name == privacy.ERASED_NAME and "ada@old" not in old.email

    def test_a_record_merged_into_a_merged_record_points_at_the_final_one(
        self, two_records, manager
    ):
        old, new, *_ = two_records
        third = ClientFactory(name="Ada", email="ada@third.example")
        clients.client_merge(keep=new, merge=old, by=manager)
        clients.client_merge(keep=third, merge=new, by=manager)
        old.refresh_from_db()
        assert old.merged_into == third
