"""A file as rows of text, or one clear reason why it cannot be read.

Refused before any row is looked at, each with a message that says what to do: a file over
`IMPORT_MAX_BYTES`, one that is not UTF-8 text (an Excel workbook, a Latin-1 export), one
with no header row or no rows. A row with more cells than the header names is refused on
its own (`runs`), not the file: a stray comma in one row should not stop the rest.
"""

import csv
import io
from dataclasses import dataclass

from django.conf import settings

DEFAULT_MAX_BYTES = 5 * 1024 * 1024


class ImportFileError(ValueError):
    """The file cannot be imported; the message says why and what to do."""


@dataclass
class Table:
    headers: list[str]
    rows: list[list[str]]


def max_bytes() -> int:
    return int(getattr(settings, "IMPORT_MAX_BYTES", DEFAULT_MAX_BYTES))


def too_large_message(size: int) -> str:
    return (
        f"The file is {size / 1_048_576:.1f} MB; an import takes at most "
        f"{max_bytes() / 1_048_576:.1f} MB. Split it into smaller files (the rows are "
        "independent) and import them one after the other."
    )


def decode(data: bytes) -> str:
    if len(data) > max_bytes():
        raise ImportFileError(too_large_message(len(data)))
    if data.startswith(b"PK\x03\x04") or b"\x00" in data[:4096]:
        raise ImportFileError(
            "This is not a CSV file (it looks like a spreadsheet workbook or another binary "
            "file). Save it from your spreadsheet as \u201cCSV UTF-8\u201d and import that."
        )
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise ImportFileError(
            f"The file is not UTF-8 text (byte {error.start + 1} cannot be read). Save it "
            "as \u201cCSV UTF-8\u201d from your spreadsheet, or export it again as UTF-8."
        ) from None


def read_table(data: bytes) -> Table:
    text = decode(data)
    if not text.strip():
        raise ImportFileError("The file is empty.")
    reader = csv.reader(io.StringIO(text, newline=""))
    try:
        lines = list(reader)
    except csv.Error as error:
        raise ImportFileError(
            f"The file cannot be read as CSV (line {reader.line_num}: {error})."
        ) from None
    headers = lines[0] if lines else []
    if not any(h.strip() for h in headers):
        raise ImportFileError("The file has no header row: its first line must name the columns.")
    rows = [line for line in lines[1:] if any(cell.strip() for cell in line)]
    if not rows:
        raise ImportFileError("The file has a header row but no rows to import.")
    return Table(headers=headers, rows=rows)
