"""Key rotation for the encrypted health-data columns (core/encrypted_fields.py).

A new key goes first in FIELD_ENCRYPTION_KEYS, the old ones stay behind it; from then on new
values use the new key and old ones still open. `reencrypt_all` rewrites every value that an
older key sealed with the newest one; once `stale_counts` finds none, the old keys can be
removed from the list (docs/encryption.md has the steps).

- Batches of `batch_size` rows per column, each in its own transaction and locked while it is
  rewritten, so a big table never waits on one long transaction and a stopped run loses
  nothing: the next run starts again and skips what is done (a value already under the newest
  key is never selected). Running it twice changes nothing the second time.
- Rows are read and written with plain SQL by primary key: the value is the same, only its
  ciphertext changes, so no `auto_now`, signal or model rule is involved. The same reason
  switches a table's own triggers off for the batch: the chart's triggers refuse any change
  to a signed note, and this is not a change to it. PostgreSQL: `ALTER TABLE ... DISABLE
  TRIGGER USER` inside the batch's transaction (it holds the table's lock until commit, so no
  other write runs meanwhile; the database user must own the tables, as it does to migrate).
  SQLite: the table's triggers are dropped and created again from their own SQL, in the same
  transaction.
"""

from dataclasses import dataclass

from django.db import connection, transaction

from core.encrypted_fields import column_name, encrypted_fields
from core.field_keys import PREFIX, keyring

DEFAULT_BATCH = 500


@dataclass(frozen=True)
class Column:
    label: str  # "bookings.intake.answers"
    table: str
    pk: str
    column: str

    @classmethod
    def of(cls, field) -> "Column":
        meta = field.model._meta
        quote = connection.ops.quote_name
        return cls(
            label=column_name(field),
            table=quote(meta.db_table),
            pk=quote(meta.pk.column),
            column=quote(field.column),
        )

    def stale_where(self) -> str:
        """Encrypted, and not by the newest key (parameters: the newest key's prefix)."""
        return f"{self.column} LIKE '{PREFIX}%%' AND {self.column} NOT LIKE %s"


def _newest_pattern() -> str:
    return keyring().newest_prefix + "%"


def stale_counts() -> dict[str, int]:
    """Per column, how many values an older key sealed (all zero: old keys can go)."""
    counts = {}
    with connection.cursor() as cursor:
        for field in encrypted_fields():
            col = Column.of(field)
            cursor.execute(
                f"SELECT COUNT(*) FROM {col.table} WHERE {col.stale_where()}",  # noqa: S608 - quoted names
                [_newest_pattern()],
            )
            counts[col.label] = cursor.fetchone()[0]
    return counts


def _has_own_triggers(cursor, table: str) -> bool:
    cursor.execute(
        "SELECT EXISTS (SELECT 1 FROM pg_trigger WHERE tgrelid = %s::regclass"
        " AND NOT tgisinternal)",
        [table],
    )
    return cursor.fetchone()[0]


def _triggers_off(cursor, table: str) -> list[str] | None:
    """Switch the table's own triggers off for this transaction; what `_triggers_on` needs."""
    if connection.vendor == "postgresql":
        if not _has_own_triggers(cursor, table):
            return None
        # ALTER TABLE refuses while foreign-key checks of this transaction wait (deferred):
        # run them now.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute(f"ALTER TABLE {table} DISABLE TRIGGER USER")
        return []
    if connection.vendor == "sqlite":
        cursor.execute(
            "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = %s",
            [table.strip('"')],
        )
        triggers = cursor.fetchall()
        for name, _ in triggers:
            cursor.execute(f'DROP TRIGGER "{name}"')
        return [sql for _, sql in triggers]
    return []


def _triggers_on(cursor, table: str, saved: list[str] | None) -> None:
    if saved is None:
        return
    if connection.vendor == "postgresql":
        cursor.execute(f"ALTER TABLE {table} ENABLE TRIGGER USER")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    for sql in saved:
        cursor.execute(sql)


def _rotate_batch(field, col: Column, after, batch_size: int) -> tuple[int, object]:
    """Re-encrypt up to `batch_size` stale values after primary key `after`; returns how
    many and the last key seen (None when the column is done)."""
    lock = " FOR UPDATE" if connection.features.has_select_for_update else ""
    where = col.stale_where() + ("" if after is None else f" AND {col.pk} > %s")
    params = [_newest_pattern()] + ([] if after is None else [after])
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT {col.pk}, {col.column} FROM {col.table} WHERE {where} "  # noqa: S608 - quoted names
            f"ORDER BY {col.pk} LIMIT %s{lock}",
            [*params, batch_size],
        )
        rows = cursor.fetchall()
        if not rows:
            return 0, None
        updates = [(field.get_prep_value(field.stored_to_python(raw)), pk) for pk, raw in rows]
        saved = _triggers_off(cursor, col.table)
        cursor.executemany(
            f"UPDATE {col.table} SET {col.column} = %s WHERE {col.pk} = %s",  # noqa: S608 - quoted names
            updates,
        )
        _triggers_on(cursor, col.table, saved)
    return len(rows), rows[-1][0]


def reencrypt_all(*, batch_size: int = DEFAULT_BATCH, progress=None) -> dict[str, int]:
    """Every value sealed by an older key, sealed again by the newest. Returns counts per
    column; `progress(label, done)` is called after each batch."""
    counts = {}
    for field in encrypted_fields():
        col = Column.of(field)
        done, after = 0, None
        while True:
            count, after = _rotate_batch(field, col, after, batch_size)
            if not count:
                break
            done += count
            if progress:
                progress(col.label, done)
        counts[col.label] = done
    return counts
