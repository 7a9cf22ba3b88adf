"""Database constraints that only PostgreSQL can enforce, declared so SQLite skips them.

The exclusion constraints that make double booking impossible need PostgreSQL (GiST and
range overlap). The same migrations must still run on SQLite for `make run`, where write
transactions are serialised instead (`transaction_mode=IMMEDIATE`). Returning no SQL on
other databases is how Django itself skips a constraint a backend cannot create.
"""

from django.contrib.postgres.constraints import ExclusionConstraint
from django.contrib.postgres.fields import DateTimeRangeField
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Func


class TsTzRange(Func):
    """PostgreSQL's tstzrange(start, end, '[)'): half-open, so back-to-back never overlap."""

    function = "TSTZRANGE"
    output_field = DateTimeRangeField()


class PostgresExclusionConstraint(ExclusionConstraint):
    """An ExclusionConstraint that is created on PostgreSQL and silently absent elsewhere."""

    @staticmethod
    def _is_postgres(connection) -> bool:
        return connection.vendor == "postgresql"

    def constraint_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor.connection):
            return None
        return super().constraint_sql(model, schema_editor)

    def create_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor.connection):
            return None
        return super().create_sql(model, schema_editor)

    def remove_sql(self, model, schema_editor):
        if not self._is_postgres(schema_editor.connection):
            return None
        return super().remove_sql(model, schema_editor)

    def validate(self, model, instance, exclude=None, using=DEFAULT_DB_ALIAS):
        if not self._is_postgres(connections[using]):
            return
        super().validate(model, instance, exclude=exclude, using=using)
