"""Health data at rest: what the database holds after normal use is ciphertext, the ORM reads
it back unchanged, a value cannot be moved between columns, and SQL cannot search it."""

import base64
import datetime as dt
import zlib

import pytest
from django.core.exceptions import FieldError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from bookings import clearances
from bookings.clearance_withdrawal import clearance_withdraw
from bookings.intake_review import intake_decline
from bookings.models import AppointmentEvent, SessionNote
from bookings.services import ClientDetails, booking_create
from bookings.session_status import session_note_add
from charts.models import Addendum, ChartNote, RegionEntry
from charts.services import RegionWork, chart_addendum_add, chart_note_save, chart_note_sign
from clients.models import Client
from core.encrypted_fields import column_name, encrypted_fields
from core.field_keys import FieldDecryptionError, decrypt, encrypt
from core.key_rotation import Column
from health.models import ClearanceRole, ClearanceScope, Intake
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.charts.helpers import session
from tests.factories import ClientFactory, IntakeFactory
from therapists.models import CalendarConnection
from waitlist.models import WaitlistEntry
from waitlist.services import waitlist_join

pytestmark = pytest.mark.django_db

# Words that only ever appear inside health data in this test; none may be in a raw row.
CONDITION = "herniated disc at L4"
REVIEW_NOTE = "Your sciatica needs a physician's letter first"
CLEARED_BY = "Dr Quinn Marlowe"
RESTRICTION = "No lumbar extension"
SOAP = {
    "subjective": "Sore after gardening",
    "objective": "Guarding over the sacroiliac joint",
    "assessment": "Eased with light bar work",
    "plan": "Avoid the neck next time",
}
REGION_RESPONSE = "Tender near the sacrum"
ADDENDUM = "Client phoned: numbness in the left foot"
WORK_DONE = "Worked the piriformis"
SESSION_RESPONSE = "Cramping eased"
WAITLIST_CONDITION = "fibromyalgia flare"
WITHDRAWN = "Recorded in error: the letter was about a knee"
APP_PASSWORD = "app-password-in-clear"
CLEAR_WORDS = [
    APP_PASSWORD,
    CONDITION,
    REVIEW_NOTE,
    CLEARED_BY,
    RESTRICTION,
    *SOAP.values(),
    REGION_RESPONSE,
    ADDENDUM,
    WORK_DONE,
    SESSION_RESPONSE,
    WAITLIST_CONDITION,
    WITHDRAWN,
    # Answer keys, region names, roles and scopes say as much as the free text.
    "disc_condition",
    "other_conditions",
    "lower_back_left",
    "physiotherapist",
    "light_pressure",
]
EMPTY = (None, "", "[]", "{}")


def raw_rows(field) -> list:
    """A column's values as the database holds them (what a dump or a backup shows)."""
    col = Column.of(field)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {col.column} FROM {col.table}")  # noqa: S608 - quoted names
        return [row[0] for row in cursor.fetchall()]


def assert_no_clear_text(words=CLEAR_WORDS) -> dict[str, int]:
    """Every encrypted column holds only empties and ciphertext; returns the non-empty
    count per column."""
    filled = {}
    for field in encrypted_fields():
        values = [v for v in raw_rows(field) if v not in EMPTY]
        for value in values:
            assert value.startswith("fe1:"), (column_name(field), value[:40])
            for word in words:
                assert word not in value, (column_name(field), word)
        filled[column_name(field)] = len(values)
    return filled


def normal_use(clinic, manager) -> dict:
    """A day at the clinic touching every encrypted column through the real services."""
    record = ClientFactory(
        name="Ada Lovelace",
        email="ada@example.com",
        confirmed_at=timezone.now(),
        confirmed_by=Client.ConfirmedBy.EMAIL_LINK,
    )
    clearance = clearances.clearance_record(
        client=record,
        details=clearances.ClearanceDetails(
            cleared_by_name=CLEARED_BY,
            cleared_by_role=ClearanceRole.PHYSIOTHERAPIST,
            cleared_on=timezone.localdate(),
            scope=ClearanceScope.LIGHT_PRESSURE,
            conditions=["disc_condition"],
            restrictions=RESTRICTION,
        ),
        by=manager,
    )
    mistaken = clearances.clearance_record(
        client=record,
        details=clearances.ClearanceDetails(
            cleared_by_name=CLEARED_BY,
            cleared_by_role=ClearanceRole.PHYSIOTHERAPIST,
            cleared_on=timezone.localdate(),
            scope=ClearanceScope.FULL,
            conditions=["disc_condition"],
        ),
        by=manager,
    )
    clearance_withdraw(clearance=mistaken, by=manager, reason=WITHDRAWN)
    cleared = booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(3, 10),
        client=ClientDetails(record.name, record.email, "+1 212 555 0199"),
        answers=clear_answers(disc_condition=True, other_conditions=CONDITION),
        record=record,
    ).appointment
    held = booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[1],
        start=local_time(4, 11),
        client=ClientDetails("Bo Lindqvist", "bo@example.com", "+1 212 555 0100"),
        answers=clear_answers(disc_condition=True),
    ).appointment
    intake_decline(appointment=held, actor=manager, note=REVIEW_NOTE)
    therapist = clinic.therapists[0]
    past = session(therapist)
    note = chart_note_save(
        appointment=past,
        author=therapist.user,
        pressure_used="light",
        entries=[RegionWork("lower_back_left", "bar", "light", REGION_RESPONSE)],
        **SOAP,
    )
    chart_note_sign(note=note, user=therapist.user)
    chart_addendum_add(note=note, author=therapist.user, text=ADDENDUM)
    session_note_add(
        appointment=past,
        author=therapist.user,
        work_done=WORK_DONE,
        pressure_used="light",
        client_response=SESSION_RESPONSE,
    )
    today = timezone.localdate()
    entry = waitlist_join(
        service=clinic.bar_60,
        therapist=None,
        first_day=today + dt.timedelta(days=2),
        last_day=today + dt.timedelta(days=9),
        client=ClientDetails("Cy Okafor", "cy@example.com", "+1 212 555 0111"),
        answers=clear_answers(other_conditions=WAITLIST_CONDITION),
    )
    # A therapist's own calendar (connecting needs a CalDAV server: tests/caldav_sync does
    # it through the service; the row is the same).
    CalendarConnection.objects.create(
        therapist=therapist, url="https://cal.example.com/dav/", username="t", password=APP_PASSWORD
    )
    return {"clearance": clearance, "cleared": cleared, "note": note, "entry": entry}


def test_after_normal_use_no_health_data_is_in_clear_in_any_encrypted_column(clinic, manager):
    made = normal_use(clinic, manager)

    filled = assert_no_clear_text()
    assert all(filled.values()), {k: v for k, v in filled.items() if not v}
    # ... and every read path still gets the plain values.
    intake = Intake.objects.get(appointment=made["cleared"])
    assert intake.answers["other_conditions"] == CONDITION
    assert intake.reasons  # what screening decided, in words
    clearance = type(made["clearance"]).objects.get(pk=made["clearance"].pk)
    assert (clearance.cleared_by_name, clearance.scope) == (CLEARED_BY, "light_pressure")
    assert clearance.conditions == ["disc_condition"]
    assert clearance.restrictions == RESTRICTION
    withdrawn = type(clearance).objects.exclude(withdrawn_at=None).get()
    assert withdrawn.withdrawn_reason == WITHDRAWN
    note = ChartNote.objects.get(pk=made["note"].pk)
    assert {k: getattr(note, k) for k in SOAP} == SOAP
    (entry,) = RegionEntry.objects.filter(note=note)
    assert (entry.region, entry.client_response) == ("lower_back_left", REGION_RESPONSE)
    assert Addendum.objects.get(note=note).text == ADDENDUM
    assert SessionNote.objects.get().work_done == WORK_DONE
    notes = [e.details.get("note") for e in AppointmentEvent.objects.all()]
    assert REVIEW_NOTE in notes
    waiting = WaitlistEntry.objects.get(pk=made["entry"].pk)
    assert waiting.answers["other_conditions"] == WAITLIST_CONDITION
    assert CalendarConnection.objects.get().password == APP_PASSWORD


def test_a_value_copied_into_another_column_does_not_open():
    """The column's name is authenticated with the value: swapping ciphertexts between
    columns (a chart's text into an intake's answers, say) fails instead of misleading."""
    stored = encrypt('{"x": 1}', column="bookings.intake.answers")
    assert decrypt(stored, column="bookings.intake.answers") == '{"x": 1}'
    with pytest.raises(FieldDecryptionError):
        decrypt(stored, column="waitlist.waitlistentry.answers")
    tampered = stored[:-6] + ("A" if stored[-6] != "A" else "B") + stored[-5:]
    with pytest.raises(FieldDecryptionError):
        decrypt(tampered, column="bookings.intake.answers")


def test_the_length_of_a_value_does_not_tell_which_choice_it_is():
    """Scopes, roles and regions are short words of different lengths: padded, their
    ciphertexts are all the same length."""
    column = "charts.regionentry.region"
    lengths = {len(encrypt(word, column=column)) for word in ("neck", "lower_back_left", "full")}
    assert len(lengths) == 1
    assert decrypt(encrypt("neck\x00", column=column), column=column) == "neck\x00"
    assert decrypt(encrypt("x" * 63, column=column), column=column) == "x" * 63


def test_the_same_value_encrypts_differently_each_time():
    column = "charts.chartnote.plan"
    assert encrypt("Light pressure", column=column) != encrypt("Light pressure", column=column)


def test_a_plaintext_value_in_an_encrypted_column_is_refused_on_read():
    intake = IntakeFactory()
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE bookings_intake SET answers = %s WHERE id = %s",
            ['{"other_conditions": "planted"}', intake.pk],
        )
    with pytest.raises(FieldDecryptionError):
        Intake.objects.get(pk=intake.pk)


def test_sql_cannot_search_an_encrypted_column_and_says_so():
    with pytest.raises(FieldError):
        list(Intake.objects.filter(answers__other_conditions__icontains="disc"))
    with pytest.raises(FieldError):
        list(ChartNote.objects.filter(plan__icontains="neck"))
    with pytest.raises(TypeError):
        list(RegionEntry.objects.filter(region="neck"))
    # "Is it empty?" still works: erasure and retention ask it.
    IntakeFactory(answers={})
    assert Intake.objects.filter(answers={}).count() == 1


def test_every_encrypted_field_is_one_the_admin_never_filters_on():
    from core.admin_privacy import is_sensitive

    for field in encrypted_fields():
        assert is_sensitive(field.model, field.name), column_name(field)


def test_a_signed_chart_stays_read_only_in_the_database():
    """Encryption did not open a way round the chart's triggers."""
    from tests.charts.helpers import signed_note
    from tests.factories import TherapistFactory

    note = signed_note(session(TherapistFactory()), plan="Light")
    with pytest.raises(IntegrityError), transaction.atomic():
        ChartNote.objects.filter(pk=note.pk).update(plan="Deep")


def test_a_booking_draft_waiting_in_the_session_is_not_in_clear(client, clinic):
    """Between the intake and the last step the answers wait in `django_session`."""
    from tests.bookings.test_booking_pages import flow_urls, form_answers

    urls = flow_urls()
    assert client.get(urls["intake"], {"start": local_time(3, 10).isoformat()}).status_code == 200
    answers = form_answers(other_conditions=CONDITION)
    assert client.post(urls["intake"], answers).status_code == 302
    assert client.session["booking_draft"]["answers"]["other_conditions"] == CONDITION

    with connection.cursor() as cursor:
        cursor.execute("SELECT session_data FROM django_session")
        stored = [row[0] for row in cursor.fetchall()]
    assert stored
    for data in stored:
        payload = data.split(":")[0].lstrip(".")
        raw = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        if data.startswith("."):
            raw = zlib.decompress(raw)
        assert raw.startswith(b"fe1:")
        assert CONDITION.encode() not in raw and b"other_conditions" not in raw
