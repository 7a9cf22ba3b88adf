"""One rule for every CSV the clinic exports: no cell may run as a spreadsheet formula.

Exports (the appointment list, the ledger, the reports) carry text that anyone can type:
a client's name, a desk note, a therapist's display name. Opened in a spreadsheet, a cell
that starts with =, +, -, @, a tab or a carriage return may be read as a formula
(`=HYPERLINK(...)` that sends the sheet's data away, or worse). Such a cell gets a leading
apostrophe, which spreadsheets show as text. A plain number (`-12.50`, `+3`, `40%`) cannot
be a formula and stays a number, so refunds and differences still add up.

Every export writes its rows through `csv_writer(...).writerow`, never `csv.writer` alone.
"""

import csv
import re
from collections.abc import Iterable
from typing import Any

FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?\d+(\.\d+)?%?")


def safe_cell(value: Any) -> Any:
    """The cell as a spreadsheet will read it as text, never as a formula."""
    if value is None:
        return ""
    if isinstance(value, int | float) and not isinstance(value, bool):
        return value
    text = str(value)
    if text.startswith(FORMULA_START) and not _PLAIN_NUMBER.fullmatch(text):
        return "'" + text
    return text


class _SafeWriter:
    def __init__(self, writer):
        self._writer = writer

    def writerow(self, row: Iterable[Any]):
        return self._writer.writerow([safe_cell(cell) for cell in row])

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


def csv_writer(stream, **kwargs) -> _SafeWriter:
    """`csv.writer` whose every cell goes through `safe_cell`."""
    return _SafeWriter(csv.writer(stream, **kwargs))
