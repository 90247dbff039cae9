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

from healthkit.models import ChangeKind, HealthSampleChange
from healthkit.sync.bulk import copy_rows, ids_allocate
from healthkit.sync.plan import Row

_TABLE = HealthSampleChange._meta.db_table
_REMOVAL_COLUMNS = (
    ("owner_id", "int4"), ("kind", "text"), ("sample_id", "int8"), ("healthkit_uuid", "uuid"),
    ("import_batch_id", "uuid"), ("created_at", "timestamptz"),
)  # fmt: skip


def change_ids_assign(*, updated: list[Row], created: list[Row]) -> None:
    """Give each row whose content the chunk changed a new feed id (call under the owner's lock).

    PostgreSQL: the updated rows' from the feed's sequence in one statement; created rows take
    theirs from the column's default (the same sequence: migration 0008) as they are COPY'd in.
    SQLite (dev; it serializes writers): both, from the feed table's AUTOINCREMENT counter.
    """
    if connection.vendor == "postgresql":
        rows, ids = updated, ids_allocate(_TABLE, len(updated))
    else:
        rows = updated + created
        ids = _sqlite_ids_allocate(len(rows))
    for row, change_id in zip(rows, ids, strict=True):
        row.change_id = change_id


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
