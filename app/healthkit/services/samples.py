"""Bulk upsert of samples: INSERT ... ON CONFLICT (owner, fingerprint) DO NOTHING RETURNING.

On PostgreSQL each statement sends every column as ONE binary array parameter, bound on the
server, and `unnest`s them: 15 parameters whatever the row count, and no value quoted into
SQL text by Python (the cost that dominated a chunk when every value was a parameter of a
VALUES list; bench/README.md has the figures). Elsewhere (SQLite in dev) a plain multi-row
VALUES statement. Rows go in fingerprint order
either way, so two transactions inserting overlapping samples take their locks in the same
order (no deadlock); the first of equal samples wins.
"""

import json
from collections.abc import Sequence
from uuid import UUID

import psycopg
from django.db import connection
from django.utils import timezone

from healthkit.fingerprints import sample_fingerprint
from healthkit.models import HealthSample
from healthkit.validation import SampleIn

#: rows per INSERT statement (VALUES: 15 parameters a row, far below PostgreSQL's 65535)
INSERT_BATCH_SIZE = 1000

#: (model field, PostgreSQL type) of the columns that vary per row, in statement order
_ROW_COLUMNS = (
    ("type", "text"),
    ("value", "float8"),
    ("unit", "text"),
    ("start_at", "timestamptz"),
    ("end_at", "timestamptz"),
    ("source_name", "text"),
    ("source_bundle_id", "text"),
    ("device", "text"),
    ("metadata", "jsonb"),
    ("healthkit_uuid", "uuid"),
    ("workout_activity_type", "text"),
    ("fingerprint", "text"),
)
#: the columns that are the same for every row of a statement
_SHARED_COLUMNS = ("owner", "import_batch", "created_at")


def _column(name: str) -> str:
    return connection.ops.quote_name(HealthSample._meta.get_field(name).column)


def _insert_into() -> str:
    names = [*_SHARED_COLUMNS, *(name for name, _ in _ROW_COLUMNS)]
    return f"INSERT INTO {connection.ops.quote_name(HealthSample._meta.db_table)} ({', '.join(map(_column, names))})"


def _on_conflict() -> str:
    fingerprint = _column("fingerprint")
    return f"ON CONFLICT ({_column('owner')}, {fingerprint}) DO NOTHING RETURNING {fingerprint}"


#: the HealthSample fields a parsed sample fills (all per-row columns but the fingerprint)
SAMPLE_FIELDS = tuple(name for name, _ in _ROW_COLUMNS if name != "fingerprint")


def sample_fields(sample: SampleIn) -> dict:
    """The HealthSample field values of a parsed sample, keyed by SAMPLE_FIELDS."""
    return dict(zip(SAMPLE_FIELDS, _sample_values(sample), strict=True))


def _row_values(sample: SampleIn, fingerprint: str) -> tuple:
    """One row's values, in _ROW_COLUMNS order."""
    return (*_sample_values(sample), fingerprint)


def _sample_values(sample: SampleIn) -> tuple:
    """A sample's values in SAMPLE_FIELDS order."""
    return (
        sample.type,
        sample.value,
        sample.unit,
        sample.start,
        sample.end,
        sample.source_name,
        sample.source_bundle_id,
        sample.device,
        sample.metadata,
        sample.uuid,
        sample.workout_activity_type,
    )


# --- PostgreSQL: one binary array per column, bound on the server --------------------------


def _unnest_sql() -> str:
    arrays = ", ".join(f"%b::{kind}[]" for _, kind in _ROW_COLUMNS)
    names = ", ".join(name for name, _ in _ROW_COLUMNS)
    return (
        f"{_insert_into()} SELECT %s, %s, %s, rows.* FROM unnest({arrays}) AS rows ({names}) "
        f"ORDER BY rows.fingerprint {_on_conflict()}"
    )


def _unnest_arrays(rows: Sequence[tuple[SampleIn, str]]) -> list[list]:
    values = (_row_values(sample, fingerprint) for sample, fingerprint in rows)
    columns = [list(column) for column in zip(*values, strict=True)]
    names = [name for name, _ in _ROW_COLUMNS]
    value, metadata = names.index("value"), names.index("metadata")
    columns[value] = [float(number) for number in columns[value]]  # categories carry ints: one type per array
    columns[metadata] = [json.dumps(item) for item in columns[metadata]]  # as text, cast to jsonb
    return columns


def _server_bound_fetchall(sql: str, params: list) -> list:
    """Run one statement with server-side binding (Django's cursors quote values into the SQL)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


# --- any database: multi-row VALUES --------------------------------------------------------


def _values_sql(row_count: int) -> str:
    width = len(_SHARED_COLUMNS) + len(_ROW_COLUMNS)
    values = ", ".join(["(" + ", ".join(["%s"] * width) + ")"] * row_count)
    return f"{_insert_into()} VALUES {values} {_on_conflict()}"


def _values_params(rows: Sequence[tuple[SampleIn, str]], *, shared: tuple) -> list:
    fields = [HealthSample._meta.get_field(name) for name, _ in _ROW_COLUMNS]
    params = []
    for sample, fingerprint in rows:
        params.extend(shared)
        params.extend(
            field.get_db_prep_save(value, connection)
            for field, value in zip(fields, _row_values(sample, fingerprint), strict=True)
        )
    return params


def _insert_returning(rows: Sequence[tuple[SampleIn, str]], *, shared: tuple) -> list:
    """Insert `rows` (those not stored yet); the fingerprints of the rows created."""
    if connection.vendor == "postgresql":
        return _server_bound_fetchall(_unnest_sql(), [*shared, *_unnest_arrays(rows)])
    with connection.cursor() as cursor:
        cursor.execute(_values_sql(len(rows)), _values_params(rows, shared=shared))
        return cursor.fetchall()


def samples_upsert(*, owner_id: int, samples: Sequence[SampleIn], batch_id: UUID | None = None) -> int:
    """Store the samples the owner does not have yet; return how many rows were created."""
    by_fingerprint: dict[str, SampleIn] = {}
    for sample in samples:
        by_fingerprint.setdefault(sample_fingerprint(owner_id=owner_id, sample=sample), sample)
    rows = [(by_fingerprint[fingerprint], fingerprint) for fingerprint in sorted(by_fingerprint)]
    shared = (owner_id, batch_id, timezone.now())
    created = 0
    for start in range(0, len(rows), INSERT_BATCH_SIZE):
        created += len(_insert_returning(rows[start : start + INSERT_BATCH_SIZE], shared=shared))
    return created
