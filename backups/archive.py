"""One encrypted archive holding everything a clinic needs back after losing its server.

A clinic's records are the database and a few private folders beside it (clearance letters
and anything else sealed on disk, listed in `PRIVATE_FOLDERS`): a backup of one without the
other restores bookings whose letters are gone. `write_backup` puts both in one tar file,
with a manifest naming every member and its SHA-256, and hands it to django-dbbackup, which
dumps the database (`pg_dump`, or SQLite's backup API), encrypts with GPG to the clinic's
backup key and stores the result (`STORAGES["dbbackup"]`). The server only needs the public
key: whoever steals it cannot read the old backups.

`restore_backup` is the way back: it decrypts (the private key and its passphrase live only
where restores are done), checks every member against the manifest before anything is
written, refuses a database or folder that is not empty, restores the database in one
transaction and then the folders. Files are sealed with the field keys, which a backup never
holds (docs/encryption.md): restore them separately.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import shutil
import tarfile
import tempfile
from dataclasses import dataclass
from pathlib import Path, PurePosixPath

from dbbackup import settings as dbbackup_settings
from dbbackup import utils as dbbackup_utils
from dbbackup.db.base import get_connector
from dbbackup.storage import get_storage
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.recorder import MigrationRecorder

FORMAT = 1
MANIFEST = "manifest.json"
DATABASE_MEMBER = "database"
FOLDERS = PurePosixPath("folders")


class BackupError(Exception):
    """A backup or restore that cannot go ahead; the message says why and what to do."""


@dataclass(frozen=True)
class Restored:
    tables: int
    files: dict[str, int]


def private_folders() -> dict[str, Path]:
    return {label: Path(path) for label, path in settings.PRIVATE_FOLDERS.items()}


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _add(tar: tarfile.TarFile, name: str, data: bytes) -> None:
    info = tarfile.TarInfo(name)
    info.size = len(data)
    info.mtime = int(dt.datetime.now(dt.UTC).timestamp())
    tar.addfile(info, io.BytesIO(data))


def _folder_files(root: Path) -> list[Path]:
    if not root.exists():
        return []
    return sorted(path for path in root.rglob("*") if path.is_file())


def _database_dump() -> tuple[bytes, str]:
    connector = get_connector(DEFAULT_DB_ALIAS)
    dump = connector.create_dump()
    dump.seek(0)
    return dump.read(), connector.extension


def _recipient() -> str:
    recipient = settings.DBBACKUP_GPG_RECIPIENT
    if not recipient:
        raise BackupError(
            "Backups are always encrypted: set BACKUP_GPG_RECIPIENT to the clinic's backup "
            "key (its fingerprint or e-mail) and import the public key on this server."
        )
    return recipient


def build_archive() -> bytes:
    """The tar of the database dump and every private folder, with its manifest."""
    dump, extension = _database_dump()
    members: dict[str, str] = {f"{DATABASE_MEMBER}.{extension}": _digest(dump)}
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        _add(tar, f"{DATABASE_MEMBER}.{extension}", dump)
        for label, root in private_folders().items():
            for path in _folder_files(root):
                data = path.read_bytes()
                name = str(FOLDERS / label / path.relative_to(root).as_posix())
                members[name] = _digest(data)
                _add(tar, name, data)
        manifest = {
            "format": FORMAT,
            "created_at": dt.datetime.now(dt.UTC).isoformat(),
            "database_vendor": connections[DEFAULT_DB_ALIAS].vendor,
            "folders": sorted(private_folders()),
            "members": members,
        }
        _add(tar, MANIFEST, json.dumps(manifest, indent=2).encode())
    return buffer.getvalue()


def write_backup() -> str:
    """Encrypts the archive to the backup key and stores it; returns its name in storage."""
    _recipient()
    with tempfile.SpooledTemporaryFile(max_size=dbbackup_settings.TMP_FILE_MAX_SIZE) as plain:
        plain.write(build_archive())
        name = dbbackup_utils.filename_generate("tar", content_type="media")
        try:
            sealed, name = dbbackup_utils.encrypt_file(plain, name)
        except Exception as failure:  # python-gnupg reports a missing key as a failed result
            raise BackupError(
                f"Encryption failed ({failure}); is the backup key imported on this server?"
            ) from failure
        storage = get_storage()
        storage.write_file(sealed, name)
    return os.path.join(settings.BACKUP_DIR, name)


# --- The way back --------------------------------------------------------------------------


def _decrypt(path: Path, passphrase: str | None) -> bytes:
    if not path.is_file():
        raise BackupError(f"No backup at {path}.")
    with path.open("rb") as sealed:
        try:
            plain, _ = dbbackup_utils.unencrypt_file(sealed, path.name, passphrase=passphrase)
        except Exception as failure:
            raise BackupError(
                f"Cannot decrypt {path.name} ({failure}): is the backup key's private half "
                "imported here, and BACKUP_GPG_PASSPHRASE right?"
            ) from failure
    plain.seek(0)
    return plain.read()


def _checked_members(archive: bytes) -> tuple[dict, dict[str, bytes]]:
    """Every member, checked against the manifest; refuses anything unexpected."""
    try:
        with tarfile.open(fileobj=io.BytesIO(archive), mode="r") as tar:
            contents = {
                member.name: tar.extractfile(member).read() for member in tar if member.isfile()
            }
    except tarfile.TarError as broken:
        raise BackupError(f"The archive is damaged ({broken}).") from broken
    try:
        manifest = json.loads(contents.pop(MANIFEST))
    except (KeyError, ValueError) as missing:
        raise BackupError("The archive has no readable manifest: not a clinic backup.") from missing
    if manifest.get("format") != FORMAT:
        raise BackupError(f"Unknown backup format {manifest.get('format')!r}.")
    expected = manifest["members"]
    if set(contents) != set(expected):
        raise BackupError("The archive's files differ from its manifest; it was altered.")
    for name, data in contents.items():
        path = PurePosixPath(name)
        if path.is_absolute() or ".." in path.parts:
            raise BackupError(f"Refusing a member outside the restore folders: {name}.")
        if _digest(data) != expected[name]:
            raise BackupError(f"{name} does not match its checksum; the archive was altered.")
    return manifest, contents


def _refuse_unless_empty(folders: dict[str, Path]) -> None:
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        tables = connections[DEFAULT_DB_ALIAS].introspection.table_names(cursor)
    if tables:
        raise BackupError(
            f"The database already has {len(tables)} tables; a restore goes into an empty "
            "database (create one and point DATABASE_URL at it)."
        )
    for label, root in folders.items():
        if _folder_files(root):
            raise BackupError(f"The folder for {label} ({root}) is not empty.")


def restore_backup(path: Path, *, passphrase: str | None) -> Restored:
    manifest, contents = _checked_members(_decrypt(path, passphrase))
    folders = private_folders()
    unknown = set(manifest["folders"]) - set(folders)
    if unknown:
        raise BackupError(f"This server has no folder for {', '.join(sorted(unknown))}.")
    vendor = connections[DEFAULT_DB_ALIAS].vendor
    if manifest["database_vendor"] != vendor:
        raise BackupError(
            f"The backup is of a {manifest['database_vendor']} database; this one is {vendor}."
        )
    _refuse_unless_empty(folders)
    dump_name = next(name for name in contents if not name.startswith(f"{FOLDERS}/"))
    _restore_database(contents[dump_name])
    files = _restore_folders(contents, folders)
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        tables = len(connections[DEFAULT_DB_ALIAS].introspection.table_names(cursor))
    return Restored(tables=tables, files=files)


def _restore_database(dump: bytes) -> None:
    connector = get_connector(DEFAULT_DB_ALIAS)
    with tempfile.SpooledTemporaryFile() as stream:
        stream.write(dump)
        stream.seek(0)
        connector.restore_dump(stream)
    connections[DEFAULT_DB_ALIAS].close()
    if not MigrationRecorder(connections[DEFAULT_DB_ALIAS]).has_table():
        raise BackupError("The database restore left no migration table; it did not complete.")


def _restore_folders(contents: dict[str, bytes], folders: dict[str, Path]) -> dict[str, int]:
    """Writes each folder beside its target first, then moves it in, so a failure midway
    leaves no half-restored folder."""
    counts: dict[str, int] = {}
    for label, root in folders.items():
        prefix = f"{FOLDERS}/{label}/"
        staging = Path(
            tempfile.mkdtemp(prefix=f".{label}-", dir=root.parent if root.parent.exists() else None)
        )
        count = 0
        for name, data in contents.items():
            if name.startswith(prefix):
                target = staging / name.removeprefix(prefix)
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                count += 1
        if root.exists():
            root.rmdir()  # empty: checked before the database was touched
        root.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(staging, root)
        counts[label] = count
    return counts
