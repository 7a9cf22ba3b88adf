"""A clinic switching in: 500 clients, then 200 future appointments, from its old system's
export, with the faults real files have. The dry run says what the import then does; the
refused rows say why; a second run creates nothing; no booking rule is bypassed."""

import csv
import io

import pytest
from django.db.models import Q

from bookings.models import Appointment, AppointmentEvent
from clients.models import Client
from imports.models import ImportRun, MergeOffer, SourceRecord
from imports.runs import import_run, refused_report
from tests.bookings.clinic import qualify, work_every_day
from tests.factories import ClientFactory, TherapistFactory
from tests.imports.files import appointments_file, clients_file
from therapists.models import CredentialKind

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("postgres_only")]


def _reasons(run: ImportRun) -> dict[int, str]:
    return {row["row"]: row["reason"] for row in run.refused}


def test_500_clients_dry_run_equals_the_import_and_a_rerun_creates_nothing(manager):
    ClientFactory(name="Already Here", email="here@example.com", phone="212.555.9999")
    data, faults = clients_file(500)

    dry = import_run(kind="clients", source="clinic", data=data, by=manager, dry_run=True)
    assert Client.objects.count() == 1  # the dry run wrote nothing
    assert not SourceRecord.objects.exists() and not MergeOffer.objects.exists()

    real = import_run(kind="clients", source="clinic", data=data, by=manager, dry_run=False)
    assert dry.counts == real.counts
    assert real.counts == {
        "rows": 500, "created": 496, "unchanged": 0, "refused": 4, "merge_offered": 2,
    }  # fmt: skip
    assert _reasons(dry) == _reasons(real)
    reasons = _reasons(real)
    assert set(reasons) == {21, 22, 31, 32}
    assert "not a valid phone number" in reasons[21] and "'call me'" in reasons[22]
    assert "formula" in reasons[31] and "formula" in reasons[32]
    assert Client.objects.count() == 497

    # Offered for merge, never merged: both records of each pair are live.
    offers = {(o.imported.email.lower(), o.matched_on) for o in MergeOffer.objects.all()}
    assert offers == {("ann.case@example.com", "e-mail"), ("client40@example.com", "phone")}
    assert not Client.objects.exclude(merged_into=None).exists()
    assert Client.objects.get(email="client40@example.com").phone == "+12125559999"
    fiftieth = Client.objects.get(email="client50@example.com")
    assert fiftieth.staff_alerts == "prefers a female therapist"
    assert fiftieth.date_of_birth.isoformat() == "1970-06-15"

    again = import_run(kind="clients", source="clinic", data=data, by=manager, dry_run=False)
    assert again.counts == {
        "rows": 500, "created": 0, "unchanged": 496, "refused": 4, "merge_offered": 0,
    }  # fmt: skip
    assert Client.objects.count() == 497 and MergeOffer.objects.count() == 2


def test_200_appointments_go_through_the_booking_rules(clinic, manager):
    import_run(
        kind="clients", source="clinic", data=clients_file(500)[0], by=manager, dry_run=False
    )
    third_bar = TherapistFactory(display_name="Third Bar")
    qualify(third_bar, CredentialKind.BAR_CERTIFICATION)
    work_every_day(third_bar)
    data, faults = appointments_file(clinic, third_bar, 200)

    dry = import_run(kind="appointments", source="clinic", data=data, by=manager, dry_run=True)
    assert not Appointment.objects.exists()
    real = import_run(kind="appointments", source="clinic", data=data, by=manager, dry_run=False)
    assert dry.counts == real.counts
    assert real.counts["created"] == 195 and real.counts["refused"] == 5
    assert _reasons(dry) == _reasons(real)
    reasons = _reasons(real)
    assert set(reasons) == set(faults)
    assert "cannot offer this treatment" in reasons[6]  # no bar credential
    assert "taken" in reasons[8]  # over the therapist's 09:00 session
    assert "outside the therapist's working hours" in reasons[14]
    assert "intake: no answers" in reasons[22]
    assert "No treatment room is free" in reasons[36]  # two bar rooms, both taken

    # No rule bypassed: the floor-only therapist has no bar session, no therapist or room
    # holds two sessions at once, every session is inside the 09:00-17:00 day.
    booked = Appointment.objects.all()
    assert booked.count() == 195
    assert not booked.filter(therapist=clinic.floor_only, service=clinic.bar_60).exists()
    for appointment in booked:
        clash = booked.exclude(pk=appointment.pk).filter(
            Q(therapist=appointment.therapist) | Q(room=appointment.room),
            start__lt=appointment.occupied_until,
            occupied_until__gt=appointment.start,
        )
        assert not clash.exists(), appointment.reference
    # Each booking joined the imported client's record (no new rows) and says where it
    # came from.
    assert Client.objects.count() == 496
    assert set(booked.values_list("client__email", flat=True)) == {
        f"client{100 + n}@example.com" for n in range(200) if n + 2 not in faults
    }
    event = AppointmentEvent.objects.filter(kind=AppointmentEvent.Kind.CREATED).first()
    assert event.details["imported_from"] == "clinic" and event.actor == manager

    again = import_run(kind="appointments", source="clinic", data=data, by=manager, dry_run=False)
    assert again.counts["created"] == 0 and again.counts["unchanged"] == 195
    assert Appointment.objects.count() == 195


def test_the_refused_rows_report_is_formula_safe(manager):
    run = import_run(
        kind="clients", source="clinic", data=clients_file(40)[0], by=manager, dry_run=True
    )
    lines = list(csv.reader(io.StringIO(refused_report(run))))
    assert lines[0] == ["line", "reason", "cells"]
    by_line = {line[0]: line for line in lines[1:]}
    assert sorted(by_line) == ["21", "22", "31", "32"]
    assert by_line["21"][1].startswith("phone:") and by_line["21"][2] == "C0020"
    # The refused names open as text, never as formulas.
    assert by_line["31"][3] == '\'=HYPERLINK("http://evil.example","click")'
    assert by_line["32"][3] == "'@SUM(A1:A9)"
