"""`manage.py import_clinic_data`: the same import from the command line."""

import json

import pytest
from django.core.management import CommandError, call_command

from clients.models import Client
from health.screening import clear_answers
from tests.imports.files import CLIENT_HEADER, to_csv

pytestmark = pytest.mark.django_db


def _write(tmp_path, name: str, data: bytes):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def test_dry_run_then_import_with_a_report(tmp_path, capsys):
    rows = [
        ["C1", "Ada Lovelace", "ada@example.com", "", "", ""],
        ["C2", "@x", "e@x.com", "", "", ""],
    ]
    path = _write(tmp_path, "clients.csv", to_csv(CLIENT_HEADER, rows))
    call_command("import_clinic_data", "clients", str(path), "--dry-run")
    out = capsys.readouterr().out
    assert "2 rows; would create 1 (0 offered for merge), 0 already imported, 1 refused" in out
    assert "line 3: name: the cell is a spreadsheet formula" in out
    assert not Client.objects.exists()
    report = tmp_path / "refused.csv"
    call_command("import_clinic_data", "clients", str(path), "--report", str(report))
    assert "created 1" in capsys.readouterr().out
    assert "'@x" in report.read_text()
    call_command("import_clinic_data", "clients", str(path))
    assert "created 0 (0 offered for merge), 1 already imported" in capsys.readouterr().out


def test_mapping_file_and_bad_input(tmp_path, settings):
    data = b"Kunde,Vollname,Post\n9,Ada Lovelace,ada@example.com\n"
    path = _write(tmp_path, "kunden.csv", data)
    mapping = _write(
        tmp_path,
        "map.json",
        json.dumps({"source_id": "Kunde", "name": "Vollname", "email": "Post"}).encode(),
    )
    call_command(
        "import_clinic_data", "clients", str(path), "--source", "other", "--mapping", str(mapping)
    )
    assert Client.objects.get().email == "ada@example.com"
    with pytest.raises(CommandError, match="no column for"):
        call_command("import_clinic_data", "clients", str(path))
    with pytest.raises(CommandError, match="No such file"):
        call_command("import_clinic_data", "clients", str(tmp_path / "missing.csv"))
    with pytest.raises(CommandError, match="--as USERNAME"):
        call_command("import_clinic_data", "appointments", str(path))
    settings.IMPORT_MAX_BYTES = 10
    with pytest.raises(CommandError, match="at most"):
        call_command("import_clinic_data", "clients", str(path))


def test_appointments_from_the_command_line_are_booked_by_the_named_manager(
    tmp_path, capsys, clinic, manager
):
    from bookings.models import AppointmentEvent
    from tests.imports.files import APPOINTMENT_HEADER, local

    start = local(3, 10)
    intake = json.dumps(clear_answers())
    rows = [
        ["A1", "", "Ada Lovelace", "ada@example.com", "", f"{start:%Y-%m-%d}", "10:00",
         clinic.bar_60.slug, clinic.therapists[0].display_name, intake],
    ]  # fmt: skip
    path = _write(tmp_path, "appointments.csv", to_csv(APPOINTMENT_HEADER, rows))
    call_command("import_clinic_data", "appointments", str(path), "--as", manager.username)
    assert "created 1" in capsys.readouterr().out
    event = AppointmentEvent.objects.get(kind=AppointmentEvent.Kind.CREATED)
    assert event.actor == manager and event.appointment.start == start
    assert Client.objects.get().name == "Ada Lovelace"
