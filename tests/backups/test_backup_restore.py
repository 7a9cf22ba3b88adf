"""A backup restores: the database and the sealed letters come back together, readable.

Real parts only: `manage.py backup` and `manage.py restore` run as their own processes
against the suite's PostgreSQL (pg_dump / pg_restore through django-dbbackup) and a real GPG
keyring made for the test; the restored clinic is read back by a third process through the
application's own letter reader, which decrypts each letter with the field keys.
"""

import hashlib
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import textwrap
from pathlib import Path

import gnupg
import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.utils import timezone

from health import clearances
from tests.factories import ChartNoteFactory, ClientFactory

ROOT = Path(settings.BASE_DIR)
PASSPHRASE = "correct horse battery staple"

pytestmark = [pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _postgres(postgres_only):
    return postgres_only


@pytest.fixture
def keyring():
    """A GPG home with the clinic's backup key (ed25519 + cv25519: quick to make)."""
    home = Path(tempfile.mkdtemp(prefix="gpg-"))  # short: gpg-agent's socket lives here
    home.chmod(0o700)
    gpg = gnupg.GPG(gnupghome=str(home))
    key = gpg.gen_key(
        gpg.gen_key_input(
            name_email="backups@clinic.test",
            passphrase=PASSPHRASE,
            key_type="EDDSA",
            key_curve="ed25519",
            subkey_type="ECDH",
            subkey_curve="cv25519",
        )
    )
    assert key.fingerprint, key.stderr
    yield home, key.fingerprint
    subprocess.run(["/usr/bin/gpgconf", "--homedir", str(home), "--kill", "all"], check=False)


def database_url(name: str) -> str:
    db = connection.settings_dict
    user = db.get("USER") or ""
    return f"postgres://{user}@{db['HOST']}:{db['PORT']}/{name}"


@pytest.fixture
def empty_database():
    name = "restored_clinic"
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name}")
        cursor.execute(f"CREATE DATABASE {name}")
    yield name
    with connection.cursor() as cursor:
        cursor.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def folder_settings() -> list[str]:
    """The settings naming the private folders a backup holds (CLEARANCE_LETTERS_ROOT...)."""
    listed = {Path(path) for path in settings.PRIVATE_FOLDERS.values()}
    return [
        name
        for name in dir(settings)
        if name.endswith("_ROOT")
        and getattr(settings, name)
        and Path(getattr(settings, name)) in listed
    ]


def clinic_env(side: Path, *, keyring=None, letters_root=None, database=None, **extra) -> dict:
    """The environment of a `manage.py` process on one side of a backup: its database, every
    private folder under `side` (the letters in `letters_root`), and the backup key."""
    env = {name: str(side / name.lower()) for name in folder_settings()}
    env["DATABASE_URL"] = database_url(database or connection.settings_dict["NAME"])
    env["BACKUP_DIR"] = str(side.parent / "backups")
    if letters_root is not None:
        env["CLEARANCE_LETTERS_ROOT"] = str(letters_root)
    if keyring is not None:
        env["GNUPGHOME"], env["BACKUP_GPG_RECIPIENT"] = str(keyring[0]), keyring[1]
    return {**env, **extra}


def manage(*args: str, env: dict) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


def pdf_letter(number: int) -> bytes:
    return b"%PDF-1.4\n% letter " + str(number).encode() + b"\ntrailer <<>>\n%%EOF\n"


@pytest.fixture
def clinic_with_letters(settings, tmp_path, manager):
    """Three clients with a clearance and its PDF letter each, and two SOAP chart notes."""
    settings.CLEARANCE_LETTERS_ROOT = tmp_path / "letters"
    details = clearances.ClearanceDetails(
        cleared_by_name="Dr Lee",
        cleared_by_role="physician",
        cleared_on=timezone.localdate(),
        scope="full",
        conditions=["disc_condition"],
        restrictions="Floor work only, light pressure.",
    )
    letters = {}
    for number in range(3):
        client = ClientFactory(name=f"Client {number}", email=f"c{number}@example.com")
        upload = SimpleUploadedFile(f"l{number}.pdf", pdf_letter(number), "application/pdf")
        clearance = clearances.clearance_record(
            client=client, details=details, by=manager, letter=upload
        )
        letters[str(clearance.pk)] = hashlib.sha256(pdf_letter(number)).hexdigest()
    notes = {str(ChartNoteFactory(subjective=f"Note {n}").pk): f"Note {n}" for n in range(2)}
    return settings.CLEARANCE_LETTERS_ROOT, letters, notes


# Run in the restored clinic: every letter through the application's reader (which decrypts
# it and logs the read), and every chart note's text (an encrypted field).
READ_BACK = textwrap.dedent(
    """
    import hashlib, json, os
    from django.contrib.auth import get_user_model
    from bookings import privacy
    from health.models import Clearance
    from charts.models import ChartNote
    manager = get_user_model().objects.get(pk=os.environ["READER_ID"])
    letters = {
        str(c.pk): hashlib.sha256(
            privacy.read_clearance_letter(clearance=c, user=manager, where="restore test")[0]
        ).hexdigest()
        for c in Clearance.objects.all()
    }
    notes = {str(n.pk): n.subjective for n in ChartNote.objects.all()}
    print(json.dumps({"letters": letters, "notes": notes}))
    """
)


def test_a_backup_restores_into_a_fresh_database_and_folder(
    clinic_with_letters, keyring, empty_database, tmp_path, manager
):
    letters_root, letters, notes = clinic_with_letters
    source = clinic_env(tmp_path / "source", keyring=keyring, letters_root=letters_root)
    made = manage("backup", env=source)
    assert made.returncode == 0, made.stderr
    archive = Path(made.stdout.strip())
    assert archive.is_file() and archive.name.endswith(".tar.gpg")
    sealed = archive.read_bytes()
    assert b"Floor work only" not in sealed and b"%PDF" not in sealed  # encrypted as a whole

    target = clinic_env(
        tmp_path / "target", keyring=keyring, database=empty_database,
        BACKUP_GPG_PASSPHRASE=PASSPHRASE,
    )  # fmt: skip
    restored = manage("restore", str(archive), env=target)
    assert restored.returncode == 0, restored.stderr
    assert "3 clearance-letters" in restored.stdout

    read = manage("shell", "-c", READ_BACK, env={**target, "READER_ID": str(manager.pk)})
    assert read.returncode == 0, read.stderr
    found = json.loads(read.stdout.strip().splitlines()[-1])
    assert found["letters"] == letters
    assert found["notes"] == notes


def test_a_restore_refuses_a_database_that_is_not_empty(clinic_with_letters, keyring, tmp_path):
    letters_root, _, _ = clinic_with_letters
    env = clinic_env(
        tmp_path / "source", keyring=keyring, letters_root=letters_root,
        BACKUP_GPG_PASSPHRASE=PASSPHRASE,
    )  # fmt: skip
    archive = manage("backup", env=env).stdout.strip()
    refused = manage("restore", archive, env=env)
    assert refused.returncode != 0
    assert "a restore goes into an empty database" in refused.stderr
    assert len(list(letters_root.iterdir())) == 3  # nothing touched


def test_an_altered_archive_or_a_wrong_passphrase_restores_nothing(
    clinic_with_letters, keyring, empty_database, tmp_path
):
    letters_root, _, _ = clinic_with_letters
    home, fingerprint = keyring
    env = clinic_env(tmp_path / "source", keyring=keyring, letters_root=letters_root)
    archive = Path(manage("backup", env=env).stdout.strip())
    target = clinic_env(tmp_path / "target", keyring=keyring, database=empty_database)
    wrong = manage("restore", str(archive), env={**target, "BACKUP_GPG_PASSPHRASE": "guess"})
    assert wrong.returncode != 0 and "Cannot decrypt" in wrong.stderr

    altered = tmp_path / "altered.tar.gpg"
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF
    altered.write_bytes(bytes(data))
    broken = manage("restore", str(altered), env={**target, "BACKUP_GPG_PASSPHRASE": PASSPHRASE})
    assert broken.returncode != 0 and "Cannot decrypt" in broken.stderr

    # Re-encrypted to the right key, but one letter swapped: the manifest catches it.
    gpg = gnupg.GPG(gnupghome=str(home))
    plain = gpg.decrypt(archive.read_bytes(), passphrase=PASSPHRASE).data
    swapped = io.BytesIO()
    with (
        tarfile.open(fileobj=io.BytesIO(plain)) as original,
        tarfile.open(fileobj=swapped, mode="w") as copy,
    ):
        for member in original:
            data = original.extractfile(member).read()
            if member.name.startswith("folders/"):
                data = data[:-1] + b"!"
                member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    forged = tmp_path / "forged.tar.gpg"
    forged.write_bytes(
        gpg.encrypt(swapped.getvalue(), fingerprint, always_trust=True, armor=False).data
    )
    refused = manage("restore", str(forged), env={**target, "BACKUP_GPG_PASSPHRASE": PASSPHRASE})
    assert refused.returncode != 0 and "does not match its checksum" in refused.stderr

    tables = manage("shell", "-c", COUNT_TABLES, env=target)
    assert tables.stdout.strip().splitlines()[-1] == "0", tables.stderr
    assert not [path for path in (tmp_path / "target").rglob("*") if path.is_file()]


COUNT_TABLES = (
    "from django.db import connection; print(len(connection.introspection.table_names()))"
)


def test_a_backup_without_a_key_is_refused(tmp_path):
    made = manage(
        "backup",
        env=clinic_env(tmp_path / "source", BACKUP_GPG_RECIPIENT=""),
    )
    assert made.returncode != 0
    assert "Backups are always encrypted" in made.stderr
    assert not (tmp_path / "backups").exists()


def test_every_private_folder_is_backed_up():
    """A folder of files no URL serves (a `*_ROOT` setting outside static files) is one a
    restore needs: each must be listed in PRIVATE_FOLDERS."""
    roots = {
        name: Path(getattr(settings, name))
        for name in dir(settings)
        if name.endswith("_ROOT") and name != "STATIC_ROOT" and getattr(settings, name)
    }
    listed = {Path(path) for path in settings.PRIVATE_FOLDERS.values()}
    assert roots and all(path in listed for path in roots.values()), roots
