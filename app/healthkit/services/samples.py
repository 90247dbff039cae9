"""Bulk upsert of samples: INSERT ... ON CONFLICT (owner, fingerprint) DO NOTHING RETURNING."""

from collections.abc import Sequence
from uuid import UUID

from django.db import connection
from django.utils import timezone

from healthkit.fingerprints import sample_fingerprint
from healthkit.models import HealthSample
from healthkit.validation import SampleIn

#: rows per INSERT statement (15 parameters a row, far below PostgreSQL's 65535)
INSERT_BATCH_SIZE = 500

_COLUMNS = (
    "owner",
    "type",
    "value",
    "unit",
    "start_at",
    "end_at",
    "source_name",
    "source_bundle_id",
    "device",
    "metadata",
    "healthkit_uuid",
    "workout_activity_type",
    "fingerprint",
    "import_batch",
    "created_at",
)


def _row(*, owner_id: int, batch_id: UUID | None, sample: SampleIn, fingerprint: str, now) -> dict:
    return {
        "owner": owner_id,
        "type": sample.type,
        "value": sample.value,
        "unit": sample.unit,
        "start_at": sample.start,
        "end_at": sample.end,
        "source_name": sample.source_name,
        "source_bundle_id": sample.source_bundle_id,
        "device": sample.device,
        "metadata": sample.metadata,
        "healthkit_uuid": sample.uuid,
        "workout_activity_type": sample.workout_activity_type,
        "fingerprint": fingerprint,
        "import_batch": batch_id,
        "created_at": now,
    }


def _insert_sql(row_count: int) -> str:
    meta = HealthSample._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(name).column) for name in _COLUMNS)
    values = ", ".join(["(" + ", ".join(["%s"] * len(_COLUMNS)) + ")"] * row_count)
    owner, fingerprint = quote(meta.get_field("owner").column), quote(meta.get_field("fingerprint").column)
    return (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES {values} "
        f"ON CONFLICT ({owner}, {fingerprint}) DO NOTHING RETURNING {fingerprint}"
    )


def _params(rows: Sequence[dict]) -> list:
    fields = [HealthSample._meta.get_field(name) for name in _COLUMNS]
    return [field.get_db_prep_save(row[field.name], connection) for row in rows for field in fields]


def samples_upsert(*, owner_id: int, samples: Sequence[SampleIn], batch_id: UUID | None = None) -> int:
    """Store the samples the owner does not have yet; return how many rows were created.

    Rows go in fingerprint order, so two transactions inserting overlapping samples take
    their locks in the same order (no deadlock); the first of equal samples wins.
    """
    now = timezone.now()
    rows_by_fingerprint: dict[str, dict] = {}
    for sample in samples:
        fingerprint = sample_fingerprint(owner_id=owner_id, sample=sample)
        rows_by_fingerprint.setdefault(
            fingerprint, _row(owner_id=owner_id, batch_id=batch_id, sample=sample, fingerprint=fingerprint, now=now)
        )
    rows = [rows_by_fingerprint[key] for key in sorted(rows_by_fingerprint)]
    created = 0
    with connection.cursor() as cursor:
        for start in range(0, len(rows), INSERT_BATCH_SIZE):
            batch_rows = rows[start : start + INSERT_BATCH_SIZE]
            cursor.execute(_insert_sql(len(batch_rows)), _params(batch_rows))
            created += len(cursor.fetchall())
    return created
