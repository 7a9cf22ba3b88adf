"""Writing the chart: drafts, signing, the refusal to edit a signed note, addenda, deletion,
and the database triggers that back the same rules."""

import datetime as dt

import pytest
from django.db import IntegrityError, transaction
from django.utils import timezone

from bookings.models import AppointmentStatus
from bookings.privacy import client_erase, client_export
from charts.models import Addendum, ChartNote, RegionEntry
from charts.services import (
    ChartError,
    RegionWork,
    chart_addendum_add,
    chart_note_delete,
    chart_note_save,
    chart_note_sign,
)
from tests.charts.helpers import SOAP, session, signed_note
from tests.factories import ChartNoteFactory, ClientFactory, TherapistFactory

pytestmark = pytest.mark.django_db

WORK = [
    RegionWork("lower_back_left", "two_foot", "light", "Relaxed"),
    RegionWork("glute_right", "bar", "medium", ""),
]


@pytest.fixture
def appointment(alice):
    return session(alice)


def draft(appointment, **changes):
    entries = changes.pop("entries", WORK)
    return chart_note_save(
        appointment=appointment,
        author=appointment.therapist.user,
        **{**SOAP, **changes},
        entries=entries,
    )


class TestDrafts:
    def test_a_draft_keeps_soap_and_region_entries(self, appointment):
        note = draft(appointment)
        assert not note.is_signed
        assert note.plan == SOAP["plan"]
        assert [(e.region, e.technique, e.pressure) for e in note.entries.order_by("id")] == [
            ("lower_back_left", "two_foot", "light"),
            ("glute_right", "bar", "medium"),
        ]

    def test_saving_again_updates_the_same_draft_and_replaces_its_entries(self, appointment):
        first = draft(appointment)
        second = chart_note_save(
            appointment=appointment,
            author=appointment.therapist.user,
            **{**SOAP, "plan": "New plan"},
            entries=[RegionWork("neck", "one_foot", "light")],
        )
        assert first.pk == second.pk and ChartNote.objects.count() == 1
        assert list(RegionEntry.objects.values_list("region", flat=True)) == ["neck"]

    def test_only_the_sessions_own_therapist_writes_its_chart(self, appointment):
        other = TherapistFactory()
        with pytest.raises(ChartError):
            chart_note_save(appointment=appointment, author=other.user, **SOAP)
        assert not ChartNote.objects.exists()

    @pytest.mark.parametrize("status", [AppointmentStatus.CANCELLED, AppointmentStatus.NO_SHOW])
    def test_a_cancelled_or_missed_session_has_no_chart(self, appointment, status):
        appointment.status = status
        with pytest.raises(ChartError, match="has no chart"):
            draft(appointment)

    def test_a_session_that_has_not_started_cannot_be_charted(self, alice):
        with pytest.raises(ChartError, match="once it has started"):
            draft(session(alice, hours_ago=-2))

    @pytest.mark.parametrize(
        "entries",
        [
            [RegionWork("spleen", "bar", "light")],
            [RegionWork("neck", "elbow", "light")],
            [RegionWork("neck", "bar", "crushing")],
            [RegionWork("neck", "bar", "light"), RegionWork("neck", "floor", "light")],
        ],
    )
    def test_bad_region_entries_are_refused_and_nothing_is_written(self, appointment, entries):
        with pytest.raises(ChartError):
            draft(appointment, entries=entries)
        assert not ChartNote.objects.exists()


class TestSigning:
    def test_signing_records_who_and_when_and_locks_the_note(self, appointment):
        note = draft(appointment)
        now = timezone.now()
        chart_note_sign(note=note, user=appointment.therapist.user, now=now)
        note.refresh_from_db()
        assert note.signed_at == now and note.signed_by == appointment.therapist.user

    def test_signing_needs_all_four_soap_parts(self, appointment):
        note = draft(appointment, assessment="", plan="  ")
        with pytest.raises(ChartError, match="assessment, plan"):
            chart_note_sign(note=note, user=appointment.therapist.user)
        note.refresh_from_db()
        assert not note.is_signed

    def test_another_therapist_cannot_sign(self, appointment):
        note = draft(appointment)
        with pytest.raises(ChartError):
            chart_note_sign(note=note, user=TherapistFactory().user)

    def test_a_signed_note_cannot_be_edited_through_the_service(self, appointment):
        note = draft(appointment)
        chart_note_sign(note=note, user=appointment.therapist.user)
        with pytest.raises(ChartError, match="signed and read-only"):
            draft(appointment, plan="Rewritten")
        note.refresh_from_db()
        assert note.plan == SOAP["plan"]
        assert note.entries.count() == len(WORK)


@pytest.mark.db_integrity
class TestDatabaseRefusesEditsOfSignedNotes:
    """The triggers of migration 0002: whatever code tries, a signed note stays as signed."""

    def test_updating_a_signed_notes_text_is_refused(self, appointment):
        note = signed_note(appointment)
        with pytest.raises(IntegrityError), transaction.atomic():
            ChartNote.objects.filter(pk=note.pk).update(plan="Rewritten")
        note.refresh_from_db()
        assert note.plan != "Rewritten"

    def test_unsigning_is_refused(self, appointment):
        note = signed_note(appointment)
        with pytest.raises(IntegrityError), transaction.atomic():
            ChartNote.objects.filter(pk=note.pk).update(signed_at=None)

    def test_adding_changing_or_removing_region_entries_of_a_signed_note_is_refused(
        self, appointment
    ):
        note = signed_note(appointment, hours_ago=30, regions=[("neck", "bar", "light", "")])
        entry = note.entries.get()
        with pytest.raises(IntegrityError), transaction.atomic():
            RegionEntry.objects.create(
                note=note, region="calf_left", technique="bar", pressure="light"
            )
        with pytest.raises(IntegrityError), transaction.atomic():
            RegionEntry.objects.filter(pk=entry.pk).update(pressure="deep")
        with pytest.raises(IntegrityError), transaction.atomic():
            entry.delete()

    def test_a_draft_can_be_changed_freely(self, appointment):
        note = ChartNoteFactory(appointment=appointment)
        ChartNote.objects.filter(pk=note.pk).update(plan="Changed")
        note.refresh_from_db()
        assert note.plan == "Changed"


class TestAddenda:
    def test_an_addendum_keeps_author_and_time_and_leaves_the_note_alone(self, appointment):
        note = signed_note(appointment)
        before = timezone.now()
        addendum = chart_addendum_add(
            note=note, author=appointment.therapist.user, text="  Pressure was medium, not light. "
        )
        assert addendum.author == appointment.therapist.user
        assert addendum.created_at >= before
        assert addendum.text == "Pressure was medium, not light."
        note.refresh_from_db()
        assert note.plan == ChartNoteFactory.plan

    def test_a_draft_takes_no_addendum(self, appointment):
        note = ChartNoteFactory(appointment=appointment)
        with pytest.raises(ChartError, match="still a draft"):
            chart_addendum_add(note=note, author=appointment.therapist.user, text="x")

    @pytest.mark.parametrize("text", ["", "   ", "x" * 4001, "a\x00b"])
    def test_an_empty_or_oversized_addendum_is_refused(self, appointment, text):
        note = signed_note(appointment)
        with pytest.raises(ChartError):
            chart_addendum_add(note=note, author=appointment.therapist.user, text=text)
        assert not Addendum.objects.exists()

    def test_another_therapist_cannot_add_one(self, appointment):
        note = signed_note(appointment)
        with pytest.raises(ChartError):
            chart_addendum_add(note=note, author=TherapistFactory().user, text="Mine")

    def test_the_database_refuses_to_rewrite_an_addendum(self, appointment):
        note = signed_note(appointment)
        addendum = chart_addendum_add(note=note, author=appointment.therapist.user, text="First")
        with pytest.raises(IntegrityError), transaction.atomic():
            Addendum.objects.filter(pk=addendum.pk).update(text="Second")


class TestDeletion:
    def test_the_therapist_discards_a_draft(self, appointment):
        note = draft(appointment)
        chart_note_delete(note=note, user=appointment.therapist.user)
        assert not ChartNote.objects.exists() and not RegionEntry.objects.exists()

    def test_a_note_signed_within_24_hours_can_be_deleted_by_the_manager(
        self, appointment, manager
    ):
        note = signed_note(appointment, hours_ago=23, regions=[("neck", "bar", "light", "")])
        chart_note_delete(note=note, user=manager)
        assert not ChartNote.objects.exists()

    def test_the_front_desk_cannot_delete_a_note(self, appointment, front_desk):

        note = signed_note(appointment, hours_ago=1)
        with pytest.raises(ChartError):
            chart_note_delete(note=note, user=front_desk)
        assert ChartNote.objects.exists()

    @pytest.mark.db_integrity
    def test_a_note_signed_more_than_24_hours_ago_cannot_be_deleted_by_anyone(
        self, appointment, django_user_model, manager
    ):
        note = signed_note(appointment, hours_ago=25)
        superuser = django_user_model.objects.create_superuser("root", "r@example.com", "pw")
        for user in (appointment.therapist.user, manager, superuser):
            with pytest.raises(ChartError, match="older than 24 hours"):
                chart_note_delete(note=note, user=user)
        # ... nor by the database, whatever code asks.
        with pytest.raises(IntegrityError), transaction.atomic():
            ChartNote.objects.filter(pk=note.pk).delete()
        assert ChartNote.objects.filter(pk=note.pk).exists()

    def test_the_24_hours_count_from_signing(self, appointment):
        note = signed_note(appointment, hours_ago=1)
        later = timezone.now() + dt.timedelta(hours=24)
        with pytest.raises(ChartError):
            chart_note_delete(note=note, user=appointment.therapist.user, now=later)


class TestClientRights:
    @pytest.mark.db_integrity
    def test_erasure_empties_signed_notes_keeps_the_row_and_deletes_drafts(self, alice, manager):
        client = ClientFactory(email="ada@example.com")
        old = session(alice, hours_ago=24 * 30, client=client)
        note = signed_note(old, hours_ago=24 * 30, regions=[("neck", "bar", "light", "Sore")])
        chart_addendum_add(note=note, author=alice.user, text="Neck was sore next day")
        recent = session(alice, hours_ago=1, client=client)
        ChartNoteFactory(appointment=recent)  # a draft
        client_erase(email="ada@example.com", user=manager)
        note.refresh_from_db()
        assert note.erased_at is not None and note.is_signed
        assert (note.subjective, note.objective, note.assessment, note.plan) == ("", "", "", "")
        assert not RegionEntry.objects.exists()
        assert list(Addendum.objects.values_list("text", flat=True)) == [""]
        assert not ChartNote.objects.filter(appointment=recent).exists()

    def test_an_erased_note_cannot_be_refilled(self, alice, manager):
        client = ClientFactory(email="ada@example.com")
        note = signed_note(session(alice, client=client), hours_ago=30)
        client_erase(email="ada@example.com", user=manager)
        with pytest.raises(IntegrityError), transaction.atomic():
            ChartNote.objects.filter(pk=note.pk).update(plan="Back again", erased_at=None)

    def test_the_export_includes_the_clients_charts_and_is_logged(self, alice, manager):
        from charts.models import ChartAccess

        client = ClientFactory(email="ada@example.com")
        appointment = session(alice, client=client)
        signed_note(appointment, regions=[("neck", "bar", "light", "Sore")])
        user = manager
        export = client_export(email="ada@example.com", user=user)
        (chart,) = export["session_charts"]
        assert chart["appointment"] == appointment.reference
        assert chart["regions"][0]["region"] == "neck"
        assert ChartAccess.objects.filter(user=user, where="client data export").count() == 1


def test_retention_empties_the_charts_of_sessions_past_the_retention_period():
    from bookings.privacy import retention_purge

    alice = TherapistFactory()
    old = session(alice, hours_ago=24 * 365 * 8)
    note = signed_note(old, hours_ago=24 * 365 * 8, regions=[("neck", "bar", "light", "")])
    recent = signed_note(session(alice, hours_ago=24 * 30), hours_ago=24 * 30)
    counts = retention_purge(years=7)
    assert counts["session charts"] == 1
    note.refresh_from_db()
    recent.refresh_from_db()
    assert note.erased_at is not None and note.plan == "" and not note.entries.exists()
    assert recent.erased_at is None and recent.plan
