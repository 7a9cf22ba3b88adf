"""Clearance on record (issue #13): recording with a letter, reading it, approving with it,
and later bookings that it spares the review (bookings/clearances.py and its entry points)."""

import datetime as dt
import io

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from bookings import clearances, clients, privacy
from bookings.intake_review import intake_approve
from bookings.models import AppointmentStatus
from bookings.services import CLEARANCE_MISSING, BookingError, ClientDetails, booking_create
from clients.models import Client
from health import questionnaires
from health.models import Clearance, ClearanceAccess, ClearanceScope, IntakeAccess
from health.screening import clear_answers
from tests.bookings.clinic import local_time
from tests.factories import ChartNoteFactory, ClearanceFactory, ClientFactory, TherapistFactory
from tests.people import staff_member

pytestmark = pytest.mark.django_db

ADA = ClientDetails("Ada Lovelace", "ada@example.com", "+1 212 555 0199")


@pytest.fixture(autouse=True)
def letters_root(settings, tmp_path):
    settings.CLEARANCE_LETTERS_ROOT = tmp_path / "letters"
    settings.STAFF_REQUIRE_2FA = False
    return settings.CLEARANCE_LETTERS_ROOT


def stored_files(root) -> list:
    return sorted(p for p in root.rglob("*") if p.is_file()) if root.exists() else []


def pdf_bytes() -> bytes:
    return b"%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def image_bytes(kind: str) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (8, 8), "white").save(out, format=kind)
    return out.getvalue()


def book(clinic, *, days=3, record=None, email=ADA.email, **answers):
    return booking_create(
        service=clinic.bar_60,
        therapist=clinic.therapists[0],
        start=local_time(days, 10),
        client=ClientDetails(ADA.name, email, ADA.phone),
        answers=clear_answers(**answers),
        record=record,
    )


@pytest.fixture
def record():
    """Ada's verified record (she opened a sign-in link)."""
    return ClientFactory(
        name=ADA.name,
        email=ADA.email,
        confirmed_at=timezone.now(),
        confirmed_by=Client.ConfirmedBy.EMAIL_LINK,
    )


# --- The rule's data -------------------------------------------------------------------------


def test_the_conditions_are_exactly_the_rules_that_need_clearance():
    needing = {r.key for r in questionnaires.RULES if r.outcome == questionnaires.NEEDS_CLEARANCE}
    assert set(clearances.CONDITIONS) == needing


def test_conditions_needing_clearance_name_what_held_the_intake():
    answers = clear_answers(disc_condition=True, blood_thinners=True, back_pain_now="mild")
    assert clearances.conditions_needing_clearance(answers) == ["disc_condition", "blood_thinners"]


@pytest.mark.parametrize(
    ("given", "until"),
    [
        (dt.date(2026, 3, 15), dt.date(2027, 3, 15)),
        (dt.date(2028, 2, 29), dt.date(2029, 2, 28)),
        (dt.date(2026, 12, 31), dt.date(2027, 12, 31)),
    ],
)
def test_a_clearance_is_valid_twelve_months_by_default(given, until):
    assert clearances.default_valid_until(given) == until


def decompression_bomb() -> bytes:
    """A small PNG whose header claims 100,000 x 100,000 pixels."""
    import struct
    import zlib

    png = bytearray(image_bytes("PNG"))
    ihdr = png[12:29]  # b"IHDR" + width, height, depth, colour, compression, filter, interlace
    ihdr[4:12] = struct.pack(">II", 100_000, 100_000)
    png[12:29] = ihdr
    png[29:33] = struct.pack(">I", zlib.crc32(bytes(ihdr)))
    return bytes(png)


@pytest.mark.parametrize(
    ("data", "kind"),
    [
        (pdf_bytes(), clearances.PDF),
        (image_bytes("PNG"), clearances.PNG),
        (image_bytes("JPEG"), clearances.JPEG),
        (b"MZ\x90\x00" + b"\x00" * 200, None),  # a Windows program renamed letter.pdf
        (b"\x89PNG\r\n\x1a\n" + b"not really a picture", None),
        (b"\xff\xd8\xff" + b"garbage", None),
        (b"%PDF-1.4 but never ends", None),
        (b"<html><script>alert(1)</script></html>", None),
        (decompression_bomb(), None),
    ],
)
def test_the_letter_type_is_read_from_its_content(data, kind):
    assert clearances.letter_type(data) == kind


# --- Recording in the admin ------------------------------------------------------------------


def add_form(client_record, letter=None, **overrides):
    data = {
        "client": client_record.pk,
        "cleared_by_name": "Dr Maya Lee",
        "cleared_by_role": "physician",
        "cleared_on": timezone.localdate().isoformat(),
        "valid_until": "",
        "scope": ClearanceScope.LIGHT_PRESSURE,
        "restrictions": "No work over the lumbar spine.",
        "conditions": ["disc_condition"],
        **overrides,
    }
    if letter is not None:
        data["letter"] = letter
    return data


ADD_URL = "/admin/health/clearance/add/"


class TestRecording:
    def test_a_manager_records_a_clearance_with_a_sealed_letter(
        self, client, manager, record, letters_root
    ):
        client.force_login(manager)
        letter = SimpleUploadedFile("gp.pdf", pdf_bytes(), content_type="application/pdf")
        response = client.post(ADD_URL, add_form(record, letter))
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:clients_client_change", args=[record.pk])
        clearance = Clearance.objects.get()
        assert (clearance.client, clearance.recorded_by) == (record, manager)
        assert clearance.valid_until == clearances.default_valid_until(timezone.localdate())
        assert clearance.conditions == ["disc_condition"]
        assert (clearance.letter_type, clearance.letter_size) == ("application/pdf", 48)
        (stored,) = stored_files(letters_root)
        assert b"%PDF" not in stored.read_bytes()  # sealed at rest
        assert "gp" not in stored.name and record.name not in stored.name

    @pytest.mark.parametrize(
        ("name", "data", "content_type"),
        [
            ("letter.pdf", b"MZ\x90\x00" + b"\x00" * 200, "application/pdf"),
            ("scan.png", b"<svg onload=alert(1)>", "image/png"),
            ("letter.docx", b"PK\x03\x04 word", "application/octet-stream"),
        ],
    )
    def test_a_letter_of_another_type_is_refused_and_nothing_stored(
        self, client, manager, record, letters_root, name, data, content_type
    ):
        client.force_login(manager)
        letter = SimpleUploadedFile(name, data, content_type=content_type)
        response = client.post(ADD_URL, add_form(record, letter))
        assert response.status_code == 200
        assert "must be a PDF, JPEG or PNG file" in response.content.decode()
        assert not Clearance.objects.exists() and stored_files(letters_root) == []

    def test_a_letter_over_the_limit_is_refused(
        self, client, manager, record, letters_root, settings
    ):
        settings.CLEARANCE_LETTER_MAX_BYTES = 1024 * 1024
        client.force_login(manager)
        big = pdf_bytes() + b" " * (1024 * 1024) + b"%%EOF"
        response = client.post(ADD_URL, add_form(record, SimpleUploadedFile("big.pdf", big)))
        assert response.status_code == 200
        assert "too large" in response.content.decode() and "limit is 1 MB" in (
            response.content.decode()
        )
        assert not Clearance.objects.exists() and stored_files(letters_root) == []

    def test_conditions_and_dates_are_checked(self, client, manager, record):
        client.force_login(manager)
        response = client.post(
            ADD_URL,
            add_form(record, conditions=[], valid_until="2020-01-01"),
        )
        assert response.status_code == 200
        assert "cannot end before the day it was given" in response.content.decode()
        assert not Clearance.objects.exists()

    def test_the_front_desk_may_not_record_or_list_clearances(self, client, front_desk, record):
        client.force_login(front_desk)
        assert client.get(ADD_URL).status_code == 403
        assert client.post(ADD_URL, add_form(record)).status_code == 403
        assert client.get("/admin/health/clearance/").status_code == 403
        assert not Clearance.objects.exists()

    def test_the_clearance_page_is_for_readers_only_and_each_view_logged(
        self, client, manager, front_desk, clinic
    ):
        on_file = ClearanceFactory(restrictions="No work over the sacrum")
        page = reverse("admin:health_clearance_change", args=[on_file.pk])
        log = reverse("admin:health_clearanceaccess_changelist")
        assert client.get(page)["Location"].startswith("/admin/login/")
        client.force_login(clinic.therapists[0].user)  # not staff: the admin's login
        assert client.get(page)["Location"].startswith("/admin/login/")
        client.force_login(front_desk)
        assert client.get(page).status_code == 403
        assert client.get(log).status_code == 403
        assert not ClearanceAccess.objects.exists()
        client.force_login(manager)
        response = client.get(page)
        assert response.status_code == 200
        assert "No work over the sacrum" in response.content.decode()
        assert "Save" not in response.content.decode()  # recorded once, never edited
        assert ClearanceAccess.objects.get().where == "admin: clearance page"
        assert client.get(log).status_code == 200

    def test_the_service_refuses_anyone_without_the_permission(self, front_desk, record):
        details = clearances.ClearanceDetails(
            cleared_by_name="Dr Lee",
            cleared_by_role="physician",
            cleared_on=timezone.localdate(),
            scope="full",
            conditions=["implant"],
        )
        for who in (front_desk, AnonymousUser()):
            with pytest.raises(clearances.PermissionDenied):
                clearances.clearance_record(client=record, details=details, by=who)

    def test_no_list_searches_or_filters_on_the_health_fields(self, client, manager):
        client.force_login(manager)
        for lookup in ("restrictions__icontains=lumbar", "conditions__contains=implant"):
            response = client.get(f"/admin/health/clearance/?{lookup}")
            assert response.status_code == 400, lookup

    def test_letters_live_outside_static_and_media_and_have_no_url(self):
        import ashiatsu_clinic.settings as defaults

        root = defaults.CLEARANCE_LETTERS_ROOT.resolve()
        assert root.parent == (defaults.BASE_DIR / "var").resolve()
        for public in (defaults.STATIC_ROOT, *defaults.STATICFILES_DIRS):
            assert public.resolve() not in (root, *root.parents)
        with pytest.raises(ValueError, match="no public URL"):
            clearances.letter_storage().url("anything.sealed")


# --- Reading the letter ------------------------------------------------------------------------


@pytest.fixture
def on_record(clinic, manager, record):
    """Ada's clearance with a PNG letter, and a booking of hers with the first therapist."""
    details = clearances.ClearanceDetails(
        cleared_by_name="Dr Lee",
        cleared_by_role="physiotherapist",
        cleared_on=timezone.localdate(),
        scope="full",
        conditions=["disc_condition"],
    )
    letter = SimpleUploadedFile("x.png", image_bytes("PNG"), content_type="image/png")
    clearance = clearances.clearance_record(
        client=record, details=details, by=manager, letter=letter
    )
    book(clinic, record=record, disc_condition=True)
    return clearance


def letter_url(clearance) -> str:
    return reverse("bookings:clearance_letter", args=[clearance.pk])


class TestLetter:
    def test_the_manager_downloads_it_and_the_read_is_logged(self, client, manager, on_record):
        client.force_login(manager)
        response = client.get(letter_url(on_record))
        assert response.status_code == 200
        assert response.content == image_bytes("PNG")
        assert response["Content-Type"] == "image/png"
        assert response["Content-Disposition"] == (
            f'attachment; filename="clearance-{on_record.pk}.png"'
        )
        assert response["X-Content-Type-Options"] == "nosniff"
        assert "no-store" in response["Cache-Control"]
        access = ClearanceAccess.objects.get()
        assert (access.clearance, access.user) == (on_record, manager)

    def test_the_clients_own_therapist_reads_it_logged(self, client, clinic, on_record):
        therapist = clinic.therapists[0].user
        client.force_login(therapist)
        assert client.get(letter_url(on_record)).status_code == 200
        assert ClearanceAccess.objects.get().user == therapist

    def test_another_therapist_gets_404_and_nothing_is_logged(self, client, on_record):
        client.force_login(TherapistFactory(display_name="Other").user)
        assert client.get(letter_url(on_record)).status_code == 404
        assert not ClearanceAccess.objects.exists()

    @pytest.mark.parametrize("who", ["desk", "no_role"])
    def test_the_front_desk_gets_403_and_nothing_is_logged(
        self, client, on_record, front_desk, who
    ):
        client.force_login(front_desk if who == "desk" else staff_member("temp", None))
        assert client.get(letter_url(on_record)).status_code == 403
        assert not ClearanceAccess.objects.exists()

    def test_anonymous_visitors_go_to_the_login(self, client, on_record):
        response = client.get(letter_url(on_record))
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("therapists:login"))
        assert not ClearanceAccess.objects.exists()

    def test_a_clearance_without_a_letter_or_an_unknown_one_is_404(self, client, manager):
        client.force_login(manager)
        assert client.get(letter_url(ClearanceFactory())).status_code == 404
        assert client.get("/clearances/999999/letter/").status_code == 404

    def test_unverified_staff_sessions_need_their_second_factor(
        self, client, manager, on_record, settings
    ):
        settings.STAFF_REQUIRE_2FA = True
        client.force_login(manager)
        response = client.get(letter_url(on_record))
        assert response.status_code == 302 and response["Location"].startswith("/two-factor/")
        assert not ClearanceAccess.objects.exists()


class TestPortal:
    def test_the_own_therapist_sees_the_clearance_with_its_letter_logged(
        self, client, clinic, on_record, record
    ):
        appointment = record.appointments.get()
        client.force_login(clinic.therapists[0].user)
        page = client.get(reverse("therapists:appointment", args=[appointment.reference]))
        text = page.content.decode()
        assert "Clearance on record" in text and "Dr Lee" in text
        assert letter_url(on_record) in text
        assert ClearanceAccess.objects.get().where == "therapist appointment page"


# --- Approving a booking held for review -----------------------------------------------------


class TestApproval:
    def test_approving_without_a_clearance_is_refused_with_a_clear_message(self, clinic, manager):
        held = book(clinic, disc_condition=True).appointment
        with pytest.raises(BookingError) as refused:
            intake_approve(appointment=held, actor=manager)
        assert refused.value.code == CLEARANCE_MISSING
        assert "Record a clearance first" in refused.value.message
        assert "Disc condition" in refused.value.message
        held.refresh_from_db()
        assert held.status == AppointmentStatus.PENDING_REVIEW

    @pytest.mark.parametrize(
        "clearance",
        [
            {"valid_until": local_time(2, 10).date()},  # ends before the session
            {"conditions": ["implant"]},  # clears something else
        ],
    )
    def test_a_clearance_that_does_not_cover_the_session_is_not_enough(
        self, clinic, manager, clearance
    ):
        held = book(clinic, disc_condition=True).appointment
        ClearanceFactory(client=held.client, **clearance)
        with pytest.raises(BookingError):
            intake_approve(appointment=held, actor=manager)

    def test_with_a_clearance_it_confirms_and_applies_the_scope(self, clinic, manager):
        held = book(clinic, disc_condition=True, pressure="deep").appointment
        on_file = ClearanceFactory(client=held.client, scope=ClearanceScope.LIGHT_PRESSURE)
        approved = intake_approve(appointment=held, actor=manager, note="Letter on file")
        assert approved.status == AppointmentStatus.CONFIRMED
        held.intake.refresh_from_db()
        assert held.intake.effective_pressure == "light"
        event = approved.events.get(kind="status")
        assert event.details["clearance"] == on_file.pk

    def test_the_review_queue_tells_the_reviewer_a_clearance_is_missing(
        self, client, clinic, manager, front_desk
    ):
        held = book(clinic, disc_condition=True).appointment
        client.force_login(manager)
        queue = reverse("admin:bookings_appointment_review")
        page = client.get(queue).content.decode()
        assert "No clearance on record covers this session" in page
        assert f"/admin/health/clearance/add/?client={held.client_id}" in page
        ClearanceFactory(client=held.client)
        assert "A clearance on record covers this session" in client.get(queue).content.decode()
        client.force_login(front_desk)
        assert "clearance on record" not in client.get(queue).content.decode().lower()

    def test_the_review_page_says_why_approval_was_refused(self, client, clinic, manager):
        held = book(clinic, disc_condition=True).appointment
        client.force_login(manager)
        response = client.post(
            reverse("admin:bookings_appointment_review_decide", args=[held.pk]),
            {"decision": "approve", "note": ""},
            follow=True,
        )
        assert "Record a clearance first" in response.content.decode()
        held.refresh_from_db()
        assert held.status == AppointmentStatus.PENDING_REVIEW


# --- Later bookings: a valid clearance spares the review -------------------------------------


class TestLaterBookings:
    def test_a_valid_clearance_on_the_verified_record_confirms_at_once(
        self, clinic, record, django_capture_on_commit_callbacks
    ):
        on_file = ClearanceFactory(client=record, scope=ClearanceScope.LIGHT_PRESSURE)
        with django_capture_on_commit_callbacks(execute=True):
            booked = book(clinic, record=record, disc_condition=True, pressure="deep")
        appointment = booked.appointment
        assert appointment.status == AppointmentStatus.CONFIRMED
        assert appointment.client == record
        appointment.refresh_from_db()
        assert appointment.client_id == record.pk
        assert appointment.intake.outcome == questionnaires.NEEDS_CLEARANCE
        assert appointment.intake.effective_pressure == "light"
        assert "Light pressure only" in appointment.intake.flags
        event = appointment.events.get(kind="created")
        assert event.details["clearance"] == on_file.pk
        subjects = [m.subject for m in mail.outbox if ADA.email in m.to]
        assert subjects == [f"Your Ashiatsu session is booked ({appointment.reference})"]

    @pytest.mark.parametrize(
        ("verified", "status"), [(True, "confirmed"), (False, "pending_review")]
    )
    def test_a_deposit_paid_later_follows_the_same_rule(self, record, verified, status):
        from bookings.booking_changes import booking_deposit_paid
        from tests.factories import AppointmentFactory, IntakeFactory

        if not verified:
            Client.objects.filter(pk=record.pk).update(confirmed_at=None)
        ClearanceFactory(client=record, scope=ClearanceScope.LIGHT_PRESSURE)
        waiting = AppointmentFactory(
            client=record,
            status=AppointmentStatus.AWAITING_DEPOSIT,
            intake=IntakeFactory(
                answers=clear_answers(implant=True, pressure="deep"),
                outcome=questionnaires.NEEDS_CLEARANCE,
                effective_pressure="deep",
            ),
        )
        assert booking_deposit_paid(appointment=waiting)
        waiting.refresh_from_db()
        waiting.intake.refresh_from_db()
        assert waiting.status == status
        assert waiting.intake.effective_pressure == ("light" if verified else "deep")

    def test_an_expired_clearance_does_not(self, clinic, record):
        ClearanceFactory(
            client=record,
            cleared_on=timezone.localdate() - dt.timedelta(days=400),
            valid_until=timezone.localdate() - dt.timedelta(days=35),
        )
        booked = book(clinic, record=record, disc_condition=True)
        assert booked.appointment.status == AppointmentStatus.PENDING_REVIEW

    def test_a_clearance_that_ends_before_the_session_does_not(self, clinic, record):
        ClearanceFactory(client=record, valid_until=local_time(5, 10).date())
        booked = book(clinic, days=6, record=record, implant=True)
        assert booked.appointment.status == AppointmentStatus.PENDING_REVIEW

    def test_a_clearance_for_another_condition_does_not(self, clinic, record):
        ClearanceFactory(client=record, conditions=["disc_condition"])
        booked = book(clinic, record=record, disc_condition=True, blood_pressure=True)
        assert booked.appointment.status == AppointmentStatus.PENDING_REVIEW

    def test_a_clearance_on_an_unverified_record_does_not_apply(self, clinic):
        unverified = ClientFactory(name=ADA.name, email=ADA.email)
        ClearanceFactory(client=unverified)
        booked = book(clinic, record=unverified, disc_condition=True)
        assert booked.appointment.status == AppointmentStatus.PENDING_REVIEW
        assert booked.appointment.client != unverified

    def test_a_typed_address_alone_never_uses_a_records_clearance(self, clinic, record):
        ClearanceFactory(client=record)
        booked = book(clinic, disc_condition=True)  # signed out, same address typed
        assert booked.appointment.status == AppointmentStatus.PENDING_REVIEW
        assert booked.appointment.client != record

    def test_a_signed_in_client_booking_under_another_address_does_not(self, clinic, record):
        ClearanceFactory(client=record)
        booked = book(clinic, record=record, email="someone@else.example", disc_condition=True)
        assert booked.appointment.status == AppointmentStatus.PENDING_REVIEW


# --- The record: merges, erasure, export ------------------------------------------------------


class TestRecordLifecycle:
    def test_a_merge_takes_the_clearances_along(self, front_desk, record):
        other = ClientFactory(name=ADA.name, email="ada@old.example")
        on_file = ClearanceFactory(client=other)
        clients.client_merge(keep=record, merge=other, by=front_desk)
        on_file.refresh_from_db()
        assert on_file.client == record

    def test_erasure_removes_clearances_and_their_letters(
        self, manager, on_record, letters_root, django_capture_on_commit_callbacks
    ):
        assert len(stored_files(letters_root)) == 1
        with django_capture_on_commit_callbacks(execute=True):
            privacy.client_erase(email=ADA.email, user=manager)
        assert not Clearance.objects.exists()
        assert stored_files(letters_root) == []

    def test_retention_removes_clearances_that_ended_long_ago(self, record):
        today = timezone.localdate()
        ClearanceFactory(
            client=record,
            cleared_on=today - dt.timedelta(days=365 * 9),
            valid_until=today - dt.timedelta(days=365 * 8),
        )
        recent = ClearanceFactory(client=record)
        counts = privacy.retention_purge(years=7)
        assert counts["clearances"] == 1
        assert list(Clearance.objects.all()) == [recent]

    def test_the_export_lists_them_and_logs_the_read(self, manager, on_record):
        data = privacy.client_export(email=ADA.email, user=manager)
        (exported,) = data["clearances"]
        assert exported["conditions"] == ["disc_condition"] and exported["letter"] is True
        assert ClearanceAccess.objects.filter(user=manager).count() == 1


# --- The staff's client record page ----------------------------------------------------------


def record_page(client, user, record):
    client.force_login(user)
    return client.get(reverse("admin:clients_client_change", args=[record.pk]))


class TestRecordPage:
    @pytest.fixture
    def charted(self, clinic, record, on_record):
        appointment = record.appointments.get()
        ChartNoteFactory(appointment=appointment, subjective="Sciatica flared last week.")
        return appointment

    def test_the_manager_sees_answers_clearances_and_charts_each_read_logged(
        self, client, manager, record, charted, on_record
    ):
        from charts.models import ChartAccess

        page = record_page(client, manager, record).content.decode()
        assert "Do you have a herniated, bulging or degenerated disc?" in page
        assert "Dr Lee" in page and letter_url(on_record) in page
        assert "Sciatica flared last week." in page
        assert IntakeAccess.objects.filter(user=manager, where__contains="record").count() == 1
        assert ClearanceAccess.objects.filter(user=manager).count() == 1
        assert ChartAccess.objects.filter(user=manager).count() == 1
        assert "Record a clearance" in page

    def test_the_front_desk_sees_outcomes_and_that_a_clearance_exists_nothing_more(
        self, client, front_desk, record, charted, on_record
    ):
        from charts.models import ChartAccess

        response = record_page(client, front_desk, record)
        assert response.status_code == 200
        page = response.content.decode()
        assert "Needs clearance" in page and "A clearance is on record" in page
        assert "herniated" not in page and "Dr Lee" not in page
        assert letter_url(on_record) not in page
        assert "Sciatica" not in page and "A session chart exists" in page
        assert "Record a clearance" not in page
        assert not IntakeAccess.objects.exists()
        assert not ClearanceAccess.objects.exists() and not ChartAccess.objects.exists()


def test_the_client_search_box_tells_two_clients_of_the_same_name_apart(client, manager, record):
    """Attaching a letter to the wrong Ana Lopez would put one person's health data on
    another's record: the search box shows each client's address beside the name."""
    namesake = Client.objects.create(name=record.name, email="other@example.com", phone="")
    client.force_login(manager)
    answer = client.get(
        "/admin/autocomplete/",
        {
            "term": record.name.split()[0],
            "app_label": "health",
            "model_name": "clearance",
            "field_name": "client",
        },
    )
    assert answer.status_code == 200
    labels = {r["id"]: r["text"] for r in answer.json()["results"]}
    assert labels[str(record.pk)] == f"{record.name} · {record.email}"
    assert labels[str(namesake.pk)] == f"{record.name} · other@example.com"


def test_the_client_search_box_is_closed_to_anonymous_visitors(client, record):
    answer = client.get(
        "/admin/autocomplete/",
        {
            "term": record.name,
            "app_label": "health",
            "model_name": "clearance",
            "field_name": "client",
        },
    )
    assert answer.status_code == 302 and "/admin/login/" in answer["Location"]
