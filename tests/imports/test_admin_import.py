"""The admin's import page: clinic managers only; a dry run, then the import; bad files
answered with a message and a 4xx; the refused rows as CSV; merge offers merged by staff."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from clients.models import Client, ClientMerge
from imports.models import ImportRun, MergeOffer
from tests.factories import ClientFactory
from tests.imports.files import CLIENT_HEADER, to_csv

pytestmark = pytest.mark.django_db

PAGE = reverse("admin:imports_importrun_add")
ROWS = [
    ["C1", "Ada Lovelace", "ADA@example.com", "", "", ""],
    ["C2", "=1+1", "eve@example.com", "", "", ""],
    ["C3", "Bo Ng", "bo@example.com", "(212) 425-1234", "", ""],
]


def _post(client, data: bytes, *, dry_run: bool, kind="clients", source="clinic", **extra):
    form = {"kind": kind, "source": source, "file": SimpleUploadedFile("export.csv", data)}
    form["dry_run" if dry_run else "import"] = "1"
    return client.post(PAGE, {**form, **extra})


@pytest.mark.parametrize(
    ("who", "status"),
    [("manager", 200), ("desk", 403), ("therapist", 302), ("no_role", 403), ("anonymous", 302)],
)
def test_only_managers_reach_the_import_pages(client, people, who, status):
    if people[who] is not None:
        client.force_login(people[who])
    run = ImportRun.objects.create(kind="clients", source="clinic", refused=[])
    pages = [
        PAGE,
        reverse("admin:imports_importrun_changelist"),
        reverse("admin:imports_importrun_refused", args=[run.pk]),
        reverse("admin:imports_mergeoffer_changelist"),
    ]
    for page in pages:
        response = client.get(page)
        assert response.status_code == status, page
        if status == 302:
            assert "/login/" in response["Location"]
    response = _post(client, to_csv(CLIENT_HEADER, ROWS), dry_run=False)
    assert response.status_code == status
    assert Client.objects.exists() is (who == "manager")


def test_dry_run_then_import_then_the_refused_rows(client, manager):
    ada = ClientFactory(name="Ada L.", email="ada@example.com", phone="")
    client.force_login(manager)
    data = to_csv(CLIENT_HEADER, ROWS)

    response = _post(client, data, dry_run=True)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Dry run: nothing was written" in page and "formula" in page
    assert Client.objects.count() == 1
    dry = ImportRun.objects.get()
    assert dry.counts["created"] == 2 and dry.counts["merge_offered"] == 1

    response = _post(client, data, dry_run=False)
    real = ImportRun.objects.get(dry_run=False)
    assert real.counts == dry.counts and Client.objects.count() == 3
    assert "Review the 1 merge offer(s)" in response.content.decode()

    report = client.get(reverse("admin:imports_importrun_refused", args=[real.pk]))
    assert report["Content-Type"].startswith("text/csv")
    assert "'=1+1" in report.content.decode()

    # Staff merge the offer: the imported record joins the one already here.
    offer = MergeOffer.objects.get()
    assert offer.existing == ada
    client.post(
        reverse("admin:imports_mergeoffer_changelist"),
        {"action": "merge", "_selected_action": [offer.pk]},
    )
    offer.refresh_from_db()
    assert offer.outcome == MergeOffer.Outcome.MERGED
    assert ClientMerge.objects.get().kept == ada
    assert Client.objects.get(pk=offer.imported_id).merged_into == ada


@pytest.mark.parametrize(
    ("data", "status", "message"),
    [
        ("Name,Email\nJosé,j@example.com\n".encode("cp1252"), 400, "not UTF-8"),
        (b"id,name\n1,Ada\n", 400, "no column for"),
        (b"\x00\x01\x02", 400, "not a CSV file"),
    ],
)
def test_bad_files_get_a_message_and_a_4xx(client, manager, data, status, message):
    client.force_login(manager)
    response = _post(client, data, dry_run=True)
    assert response.status_code == status
    assert message in response.content.decode()
    assert not ImportRun.objects.exists()


def test_a_file_over_the_import_limit_is_413(client, manager, settings):
    settings.IMPORT_MAX_BYTES = 1024
    client.force_login(manager)
    response = _post(client, to_csv(CLIENT_HEADER, ROWS * 50), dry_run=True)
    assert response.status_code == 413
    assert "Split it into smaller files" in response.content.decode()


def test_a_50_mb_upload_is_refused_unread(client, manager):
    client.force_login(manager)
    response = _post(client, b"a" * (50 * 1024 * 1024), dry_run=True)
    assert response.status_code == 413
    assert not ImportRun.objects.exists()


def test_another_system_needs_a_mapping_file(client, manager):
    client.force_login(manager)
    response = _post(client, to_csv(CLIENT_HEADER, ROWS), dry_run=True, source="other")
    assert response.status_code == 400
    assert "needs a mapping file" in response.content.decode()
    mapping = SimpleUploadedFile("map.json", b'{"source_id": "Kunde"}')
    data = b"Kunde,name,email\n1,Ada,a@example.com\n"
    response = _post(client, data, dry_run=False, source="other", mapping=mapping)
    assert response.status_code == 200 and Client.objects.count() == 1
