"""The changes feed's writes: entry ids for changed rows, and the entries of removed rows.

The feed holds one entry per stored row, the row itself (`HealthSample.change_id`: the id of its
latest change), and one per removed row (a `delete` HealthSampleChange). Both kinds of ids come
from one sequence, HealthSampleChange's, and are drawn under the owner's advisory lock
(healthkit.sync.store), so an owner's entries grow in commit order. A row changed twice keeps
one entry, its latest: the feed is compacted as it is written, and a chunk adds no row to it
for what it creates or updates (docs/sync-protocol.md, "The changes feed").
"""

from uuid import UUID

from django.db import connection

from healthkit.models import ChangeKind, HealthSample, HealthSampleChange
from healthkit.sync.bulk import copy_rows, ids_allocate

_TABLE = HealthSampleChange._meta.db_table
_REMOVAL_COLUMNS = (
    ("owner_id", "int4"), ("kind", "text"), ("sample_id", "int8"), ("healthkit_uuid", "uuid"),
    ("import_batch_id", "uuid"), ("created_at", "timestamptz"),
)  # fmt: skip


def ids_allocate_for(*, changed: int, new: int) -> tuple[list[int], list[int]]:
    """Feed ids for `changed` rows and row ids for `new` rows, ascending (call under the owner's lock).

    PostgreSQL: both from their sequences in one statement. SQLite (dev; it serializes writers):
    the feed table's AUTOINCREMENT counter moved on by `changed`, and no row ids (the inserts make them).
    """
    if connection.vendor == "postgresql":
        change_ids, row_ids = ids_allocate((_TABLE, changed), (HealthSample._meta.db_table, new))
        return change_ids, row_ids
    return _sqlite_ids_allocate(changed), []


def _sqlite_ids_allocate(count: int) -> list[int]:
    """SQLite: the table's AUTOINCREMENT counter moved on by `count`; the ids passed over."""
    if count == 0:
        return []
    with connection.cursor() as cursor:
        cursor.execute("UPDATE sqlite_sequence SET seq = seq + %s WHERE name = %s", [count, _TABLE])
        if cursor.rowcount == 0:
            cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [_TABLE, count])
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [_TABLE])
        (last,) = cursor.fetchone()
    return list(range(last - count + 1, last + 1))


def removals_append(removed: list[tuple[int, UUID | None]], *, owner_id: int, batch_id: UUID | None, now) -> None:
    """One `delete` entry per removed row, given as (sample id, uuid)."""
    entries = [(owner_id, ChangeKind.DELETE.value, sample_id, uuid, batch_id, now) for sample_id, uuid in removed]
    if connection.vendor == "postgresql":
        copy_rows(_TABLE, _REMOVAL_COLUMNS, entries)
        return
    names = [name for name, _ in _REMOVAL_COLUMNS]
    HealthSampleChange.objects.bulk_create([HealthSampleChange(**dict(zip(names, entry, strict=True))) for entry in entries])
