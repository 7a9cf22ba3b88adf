"""Which column of an export holds which field: our own names, the exports of Jane,
Mindbody and Square, or a mapping file for any other system (docs/import.md).

A mapping is `{field: [column names it may have]}`; a file's columns are matched with case
and surrounding spaces ignored. A client's name may come whole (`name`) or as `first_name`
and `last_name`.
"""

import json

from imports.models import Kind


class MappingError(ValueError):
    """The mapping file cannot be used; the message says why."""


# Our own column names (the `clinic` source): every kind reads them.
FIELDS = {
    Kind.CLIENTS: [
        "source_id", "name", "first_name", "last_name", "email", "phone", "date_of_birth",
        "notes",
    ],
    Kind.APPOINTMENTS: [
        "source_id", "client_source_id", "client_name", "client_email", "client_phone",
        "date", "time", "service", "therapist", "intake",
    ],
    Kind.PACKAGES: [
        "source_id", "client_name", "client_email", "plan", "sessions_total", "sessions_left",
        "code",
    ],
    Kind.GIFT_CARDS: [
        "source_id", "code", "initial", "balance", "recipient_name", "purchaser_email",
    ],
}  # fmt: skip

REQUIRED = {
    Kind.CLIENTS: [("source_id",), ("email",), ("name", "first_name")],
    Kind.APPOINTMENTS: [("source_id",), ("date",), ("time",), ("service",), ("therapist",)],
    Kind.PACKAGES: [("source_id",), ("client_email",), ("plan",), ("sessions_left",), ("code",)],
    Kind.GIFT_CARDS: [("source_id",), ("code",), ("balance",)],
}

# The vendors' export headers we know of; a file with other headers needs a mapping file.
PRESETS: dict[str, dict[str, dict[str, list[str]]]] = {
    "jane": {
        Kind.CLIENTS: {
            "source_id": ["Patient ID", "ID"], "first_name": ["First Name"],
            "last_name": ["Last Name"], "email": ["Email"],
            "phone": ["Mobile Phone", "Phone"], "date_of_birth": ["Birth Date", "Date of Birth"],
            "notes": ["Notes", "Alert"],
        },
        Kind.APPOINTMENTS: {
            "source_id": ["Appointment ID", "ID"], "client_source_id": ["Patient ID"],
            "client_name": ["Patient", "Patient Name"], "client_email": ["Patient Email", "Email"],
            "client_phone": ["Patient Phone"], "date": ["Date", "Start Date"],
            "time": ["Time", "Start Time"], "service": ["Treatment"],
            "therapist": ["Staff Member", "Practitioner"],
        },
    },
    "mindbody": {
        Kind.CLIENTS: {
            "source_id": ["Client ID", "ID"], "first_name": ["First Name"],
            "last_name": ["Last Name"], "email": ["Email"],
            "phone": ["Mobile Phone", "Cell Phone", "Home Phone"], "date_of_birth": ["Birth Date"],
            "notes": ["Notes", "Client Notes"],
        },
        Kind.APPOINTMENTS: {
            "source_id": ["Visit ID", "Appointment ID"], "client_source_id": ["Client ID"],
            "client_name": ["Client", "Client Name"], "client_email": ["Email"],
            "client_phone": ["Phone"], "date": ["Date", "Visit Date"],
            "time": ["Time", "Start Time"], "service": ["Service", "Visit Type"],
            "therapist": ["Staff", "Staff Name"],
        },
        Kind.PACKAGES: {
            "source_id": ["Series ID", "Pricing Option ID"], "client_name": ["Client Name"],
            "client_email": ["Email"], "plan": ["Series", "Pricing Option"],
            "sessions_total": ["Count"], "sessions_left": ["Remaining"], "code": ["Code"],
        },
        Kind.GIFT_CARDS: {
            "source_id": ["Gift Card ID", "Card ID"], "code": ["Card Number", "Code"],
            "initial": ["Initial Value"], "balance": ["Balance", "Remaining Balance"],
            "recipient_name": ["Recipient"], "purchaser_email": ["Purchaser Email", "Email"],
        },
    },
    "square": {
        Kind.CLIENTS: {
            "source_id": ["Square Customer ID", "Reference ID"], "first_name": ["First Name"],
            "last_name": ["Last Name"], "email": ["Email Address"], "phone": ["Phone Number"],
            "date_of_birth": ["Birthday"], "notes": ["Memo"],
        },
        Kind.APPOINTMENTS: {
            "source_id": ["Booking ID", "Appointment ID"],
            "client_source_id": ["Customer ID"], "client_name": ["Customer Name", "Customer"],
            "client_email": ["Customer Email"], "client_phone": ["Customer Phone"],
            "date": ["Date"], "time": ["Time", "Start Time"], "service": ["Service"],
            "therapist": ["Staff", "Team Member"],
        },
        Kind.GIFT_CARDS: {
            "source_id": ["Gift Card ID"], "code": ["Gift Card Number", "GAN"],
            "initial": ["Initial Amount", "Amount Loaded"], "balance": ["Balance", "Current Balance"],
            "recipient_name": ["Recipient Name"], "purchaser_email": ["Purchaser Email"],
        },
    },
}  # fmt: skip

SOURCES = ["clinic", *PRESETS, "other"]


def mapping_for(kind: str, source: str, mapping_text: str | None = None) -> dict[str, list[str]]:
    """The columns to look for, field by field: our names always, then the preset of
    `source`, then a mapping file's (JSON: `{"field": "Their column"}`), which wins."""
    mapping = {name: [name] for name in FIELDS[kind]}
    for name, columns in PRESETS.get(source, {}).get(kind, {}).items():
        mapping[name] = [*columns, *mapping[name]]
    if mapping_text:
        for name, columns in _mapping_file(mapping_text, kind).items():
            mapping[name] = [*columns, *mapping[name]]
    return mapping


def _mapping_file(text: str, kind: str) -> dict[str, list[str]]:
    try:
        data = json.loads(text)
    except ValueError:
        raise MappingError(
            'The mapping file is not JSON. Write it as {"email": "E-mail address", ...}.'
        ) from None
    if isinstance(data, dict) and isinstance(data.get(kind), dict):
        data = data[kind]  # one file may map every kind: {"clients": {...}, ...}
    if not isinstance(data, dict):
        raise MappingError('The mapping file must be an object: {"email": "E-mail address"}.')
    unknown = sorted(set(data) - set(FIELDS[kind]))
    if unknown:
        raise MappingError(
            f"The mapping file names fields this import does not have: {', '.join(unknown)}. "
            f"The fields are: {', '.join(FIELDS[kind])}."
        )
    mapped = {}
    for name, columns in data.items():
        columns = [columns] if isinstance(columns, str) else columns
        if not isinstance(columns, list) or not all(isinstance(c, str) for c in columns):
            raise MappingError(f'The mapping of "{name}" must be a column name or a list of them.')
        mapped[name] = columns
    return mapped


def locate(headers: list[str], mapping: dict[str, list[str]], kind: str) -> dict[str, int]:
    """{field: column index} for the fields the file has; MappingError naming what the
    file lacks when a required field has no column."""
    index = {header.strip().casefold(): i for i, header in reversed(list(enumerate(headers)))}
    found = {}
    for name, columns in mapping.items():
        for column in columns:
            if column.strip().casefold() in index:
                found[name] = index[column.strip().casefold()]
                break
    missing = [" or ".join(group) for group in REQUIRED[kind] if not set(group) & set(found)]
    if missing:
        raise MappingError(
            f"The file has no column for: {'; '.join(missing)}. Its columns are: "
            f"{', '.join(h.strip() for h in headers) or '(none)'}. Choose the system it came "
            "from or give a mapping file (docs/import.md)."
        )
    return found
