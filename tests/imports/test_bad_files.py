"""Files that cannot be imported at all get one clear message and write nothing; rows that
cannot be imported are refused one by one with their reason."""

import json

import pytest

from clients.models import Client
from imports.columns import MappingError
from imports.reading import ImportFileError
from imports.runs import import_run
from tests.imports.files import CLIENT_HEADER, to_csv

pytestmark = pytest.mark.django_db

ONE_CLIENT = [["C1", "Ada Lovelace", "ada@example.com", "+1 212 425 1234", "1815-12-10", ""]]


def _clients(data: bytes, **kwargs):
    options = {"kind": "clients", "source": "clinic", "by": None, "dry_run": False, **kwargs}
    return import_run(data=data, **options)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ("name,email\nJosé,jose@example.com\n".encode("latin-1"), "not UTF-8"),
        (b"PK\x03\x04binary workbook", "not a CSV file"),
        (b"", "empty"),
        (b"source_id,name,email\n", "no rows"),
    ],
)
def test_unreadable_files_are_refused_with_a_message(data, message):
    with pytest.raises(ImportFileError, match=message):
        _clients(data)
    assert not Client.objects.exists()


def test_missing_columns_are_named(settings):
    with pytest.raises(
        MappingError, match="no column for: source_id; email. Its columns are: id, name"
    ):
        _clients(b"id,name\n1,Ada\n")


def test_a_file_over_the_limit_is_refused(settings):
    settings.IMPORT_MAX_BYTES = 1000
    with pytest.raises(ImportFileError, match="at most 0.0 MB"):
        _clients(to_csv(CLIENT_HEADER, ONE_CLIENT * 50))


def test_excel_utf8_with_a_byte_order_mark_reads():
    run = _clients(b"\xef\xbb\xbf" + to_csv(CLIENT_HEADER, ONE_CLIENT))
    assert run.counts["created"] == 1
    ada = Client.objects.get()
    assert (ada.name, ada.phone) == ("Ada Lovelace", "+12124251234")


def test_vendor_columns_jane_mindbody_square():
    jane = b"Patient ID,First Name,Last Name,Email,Mobile Phone\n7,Ada,Lovelace,a@example.com,\n"
    mindbody = b"Client ID,First Name,Last Name,Email,Cell Phone\n7,Bo,Ng,b@example.com,\n"
    square = (
        b"Square Customer ID,First Name,Last Name,Email Address,Phone Number\n7,Cy,Li,c@x.com,\n"
    )
    for source, data in [("jane", jane), ("mindbody", mindbody), ("square", square)]:
        assert _clients(data, source=source).counts["created"] == 1
    assert sorted(Client.objects.values_list("name", flat=True)) == [
        "Ada Lovelace",
        "Bo Ng",
        "Cy Li",
    ]
    # The same id from another system is another person's.
    assert _clients(jane, source="jane").counts["unchanged"] == 1


def test_a_mapping_file_for_another_system():
    data = b"Kunde,Vollname,E-Mail\n9,Ada Lovelace,ada@example.com\n"
    mapping = json.dumps({"source_id": "Kunde", "name": "Vollname", "email": "E-Mail"})
    run = _clients(data, source="other", mapping_text=mapping)
    assert run.counts["created"] == 1
    with pytest.raises(MappingError, match="fields this import does not have: shoe_size"):
        _clients(data, source="other", mapping_text='{"shoe_size": "Kunde"}')
    with pytest.raises(MappingError, match="not JSON"):
        _clients(data, source="other", mapping_text="Kunde=source_id")


def test_bad_rows_are_refused_with_their_reasons():
    rows = [
        ["", "No Id", "x@example.com", "", "", ""],
        ["C2", "No Address", "not-an-address", "", "", ""],
        ["C3", "Bad Birthday", "b@example.com", "", "31/31/1990", ""],
        ["C4", "+cmd|' /C calc'!A0", "c@example.com", "", "", ""],
        ["C5", "Fine Person", "f@example.com", "", "", "-2+3 =cmd"],
    ]
    run = _clients(to_csv(CLIENT_HEADER, rows))
    reasons = {r["row"]: r["reason"] for r in run.refused}
    assert "source_id: empty" in reasons[2]
    assert "not an e-mail address" in reasons[3]
    assert "not a date" in reasons[4]
    assert "formula" in reasons[5] and "formula" in reasons[6]
    assert run.counts["created"] == 0
