"""Realistic exports to import: a clinic's 500 clients and 200 future appointments, with
the faults real files have (each listed in `FAULTS` by the line it is on)."""

import csv
import datetime as dt
import io
import json

from django.utils import timezone

from health.screening import clear_answers

CLIENT_HEADER = ["source_id", "name", "email", "phone", "date_of_birth", "notes"]
APPOINTMENT_HEADER = [
    "source_id", "client_source_id", "client_name", "client_email", "client_phone",
    "date", "time", "service", "therapist", "intake",
]  # fmt: skip


def to_csv(header: list[str], rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def clients_file(count: int = 500) -> tuple[bytes, dict[int, str]]:
    """`count` clients; returns the file and {line: fault} of the rows that must be refused
    or offered for merge (line 1 is the header, client n is on line n + 1)."""
    rows, faults = [], {}
    for n in range(1, count + 1):
        rows.append(
            [
                f"C{n:04d}",
                f"Client Number{n}",
                f"client{n}@example.com",
                f"(212) 555-{n % 10000:04d}" if n % 7 else "",
                f"19{60 + n % 40}-0{1 + n % 9}-1{n % 9}",
                "prefers a female therapist" if n % 50 == 0 else "",
            ]
        )
    # The same person typed twice in the old system, the address differing in case.
    rows[9][2], rows[10][2] = "Ann.Case@Example.com", "ann.case@example.COM"
    faults[12] = "merge: e-mail"
    # Bad phone numbers.
    rows[19][3], rows[20][3] = "12345", "call me"
    faults[21] = faults[22] = "refused: phone"
    # Formulas in names.
    rows[29][1], rows[30][1] = '=HYPERLINK("http://evil.example","click")', "@SUM(A1:A9)"
    faults[31] = faults[32] = "refused: formula"
    # A client already in the clinic, by phone in another format (offered for merge).
    rows[39][3] = "+1 212-555-9999"
    faults[41] = "merge: phone"
    return to_csv(CLIENT_HEADER, rows), faults


def local(days_ahead: int, hour: int, minute: int = 0) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days_ahead)
    return dt.datetime.combine(day, dt.time(hour, minute), timezone.get_current_timezone())


def appointments_file(clinic, third_bar, count: int = 200) -> tuple[bytes, dict[int, str]]:
    """`count` future appointments over 40 days, five a day (two each for the two bar
    therapists, one floor session), for the clients of `clients_file`; with an
    appointment for a therapist without the bar credential, two overlapping ones, one
    outside working hours, one without an intake, and one for `third_bar` (a third bar
    therapist) when both bar rooms are taken."""
    first, second = clinic.therapists
    plan = [
        (first, clinic.bar_60, 9), (first, clinic.bar_60, 11), (second, clinic.bar_60, 9),
        (second, clinic.bar_60, 11), (clinic.floor_only, clinic.floor_60, 13),
    ]  # fmt: skip
    rows, faults = [], {}
    intake = json.dumps(clear_answers())
    for n in range(count):
        therapist, service, hour = plan[n % 5]
        start = local(2 + n // 5, hour)
        client = 100 + n
        rows.append(
            [
                f"A{n:04d}", f"C{client:04d}", f"Client Number{client}",
                f"client{client}@example.com", "", f"{start:%m/%d/%Y}", f"{start:%I:%M %p}",
                service.name, therapist.slug, intake,
            ]
        )  # fmt: skip
    # A bar session for the therapist who holds only the floor certification.
    rows[4][7], rows[4][8] = clinic.bar_60.name, clinic.floor_only.display_name
    faults[6] = "refused: no credential"
    # Two overlapping sessions: the 11:00 of day 3 moved to 09:30, over the 09:00 one.
    rows[6][6] = "09:30 AM"
    faults[8] = "refused: overlap"
    # Outside working hours (17:00-18:00 after a day ending at 17:00).
    rows[12][6] = "05:00 PM"
    faults[14] = "refused: hours"
    # No intake answers.
    rows[20][9] = ""
    faults[22] = "refused: intake"
    # A third bar therapist at 09:00 on day 8, when both bar rooms are taken (the day's
    # floor session made a bar session for them).
    rows[34][6], rows[34][7], rows[34][8] = "09:00 AM", clinic.bar_60.name, third_bar.slug
    faults[36] = "refused: room"
    return to_csv(APPOINTMENT_HEADER, rows), faults
