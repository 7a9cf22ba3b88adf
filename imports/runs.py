"""Running one import: the one entry point the admin page and `manage.py
import_clinic_data` both call (`import_run`), and the report of its refused rows.

Each row is written in its own transaction, so a refused row undoes only itself. A dry
run runs exactly the same code, every row included, inside one transaction that is then
rolled back: what it reports is what the real run will do (unless the clinic's schedule
changes in between). Only the run's summary (counts and refused rows) is kept.
"""

import io

from django.db import IntegrityError, transaction

from core.csv_cells import csv_writer
from imports import cells, columns
from imports.appointment_rows import AppointmentRows
from imports.balance_rows import GiftCardRows, PackageRows
from imports.client_rows import ClientRows
from imports.models import ImportRun, Kind, MergeOffer
from imports.outcomes import REFUSED, UNCHANGED, Outcome, Tally
from imports.reading import ImportFileError, read_table

ROWS = {
    Kind.CLIENTS: ClientRows,
    Kind.APPOINTMENTS: AppointmentRows,
    Kind.PACKAGES: PackageRows,
    Kind.GIFT_CARDS: GiftCardRows,
}


PREVIEW_ROWS = 100


class _DryRunRollback(Exception):
    """Raised at the end of a dry run to roll every row back."""


def import_run(
    *,
    kind: str,
    source: str,
    data: bytes,
    by,
    dry_run: bool,
    mapping_text: str | None = None,
    filename: str = "",
) -> ImportRun:
    """Import `data` (a CSV export) as `kind` from `source`; the saved run has the counts
    and refused rows. ImportFileError / columns.MappingError: the file cannot be imported
    at all (the message says why); nothing is written then."""
    if kind not in ROWS:
        raise ImportFileError(f"Unknown kind of import {kind!r}: choose one of {', '.join(ROWS)}.")
    if source not in columns.SOURCES:
        raise ImportFileError(
            f"Unknown source {source!r}: choose one of {', '.join(columns.SOURCES)}."
        )
    table = read_table(data)
    found = columns.locate(table.headers, columns.mapping_for(kind, source, mapping_text), kind)
    meta = {"kind": kind, "source": source, "filename": filename[:200], "by": by}
    if not dry_run:
        run = ImportRun.objects.create(**meta)
        tally = _rows(kind, source, table, found, run=run, by=by)
    else:
        try:
            with transaction.atomic():
                scratch = ImportRun.objects.create(**meta, dry_run=True)
                tally = _rows(kind, source, table, found, run=scratch, by=by)
                raise _DryRunRollback
        except _DryRunRollback:
            pass
        run = ImportRun.objects.create(**meta, dry_run=True)
    run.counts, run.refused = tally.counts, tally.refused
    run.save(update_fields=["counts", "refused"])
    # What was (or would be) done, row by row, for the page that shows the run now.
    run.preview = [o for o in tally.outcomes if o.result != REFUSED][:PREVIEW_ROWS]
    return run


def _rows(kind, source, table, found, *, run, by) -> Tally:
    handler = ROWS[kind](source=source, run=run, by=by)
    tally = Tally()
    for offset, row in enumerate(table.rows):
        number = offset + 2  # line 1 is the header
        values = {name: row[i] if i < len(row) else "" for name, i in found.items()}
        try:
            if len(row) > len(table.headers):
                raise cells.RowRefused(
                    f"the row has {len(row)} cells but the header names {len(table.headers)} "
                    "columns (a comma in a value that is not in quotes?)."
                )
            with transaction.atomic():
                outcome = handler.handle(values, number)
        except cells.RowRefused as refusal:
            outcome = Outcome(number, REFUSED, str(refusal), cells=row)
        except IntegrityError as error:
            outcome = _refused_by_database(number, error, row)
        tally.add(outcome)
    return tally


def _refused_by_database(number: int, error: IntegrityError, row: list[str]) -> Outcome:
    """A constraint the checks above did not foresee: another run imported this source id
    meanwhile (nothing to do), or the row breaks a rule of the database (refused)."""
    constraint = getattr(getattr(error.__cause__, "diag", None), "constraint_name", None)
    if constraint == "import_source_id_once":
        return Outcome(number, UNCHANGED, "imported by another run meanwhile")
    return Outcome(number, REFUSED, f"the database refused the row ({constraint})", cells=row)


def refused_report(run: ImportRun) -> str:
    """The refused rows as CSV: line number, reason, then the row's own cells, every cell
    formula-safe (a refused name such as `=HYPERLINK(...)` opens as text)."""
    out = io.StringIO()
    writer = csv_writer(out)
    writer.writerow(["line", "reason", "cells"])
    for refused in run.refused:
        writer.writerow([refused["row"], refused["reason"], *refused["cells"]])
    return out.getvalue()


def offers_of(run: ImportRun):
    return MergeOffer.objects.filter(run=run).select_related("imported", "existing")
