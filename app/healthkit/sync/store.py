"""Loading what a chunk's writes can touch, and writing a finished Plan back (bulk statements).

Every write to an owner's samples happens under that owner's transaction-level advisory lock
(`owner_lock`), held until commit: an owner's chunks are applied one at a time (their parsing and
validation still run in parallel), so there is one lock per transaction and no lock order to get
wrong, and the owner's feed entries get ids in commit order (healthkit.sync.feed).
"""

from operator import itemgetter
from uuid import UUID

import orjson

from django.db import connection
from django.db.models import Q
from django.utils import timezone

from healthkit.models import HealthSample, HealthSampleDeletion
from healthkit.sync.bulk import copy_rows, server_bound_fetchall, unnest_update
from healthkit.sync.feed import change_ids_assign, removals_append
from healthkit.sync.plan import CONTENT_FIELDS, DeleteWrite, Plan, Row, SampleWrite, Tombstone

#: first key of the two-key advisory lock (the second is the owner id): "HK"
OWNER_LOCK_NAMESPACE = 0x484B
_TOMBSTONE_FIELDS = ("position", "sync_identifier", "sync_version", "content_position", "fingerprint", "import_batch")
#: rows a statement sends at most
BULK_SIZE = 1000


def owner_lock(owner_id: int) -> None:
    """Serialize this transaction's sample writes with every other one of the owner (PostgreSQL; SQLite serializes writers)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", [OWNER_LOCK_NAMESPACE, owner_id])


def _uuid_text(value) -> str | None:
    return str(value).upper() if value else None


def _keys(writes) -> tuple[set, set, set]:
    uuids, syncs, fingerprints = set(), set(), set()
    for write in writes:
        if isinstance(write, DeleteWrite):
            uuids.add(write.uuid)
            continue
        uuids.add(write.content["healthkit_uuid"])
        syncs.add(write.content["sync_identifier"])
        fingerprints.add(write.content["fingerprint"])
    return uuids - {None}, syncs - {None}, fingerprints


def _matching(uuids: set, syncs: set, fingerprints: set) -> Q:
    return Q(healthkit_uuid__in=uuids) | Q(sync_identifier__in=syncs) | Q(fingerprint__in=fingerprints)


def _row(content: dict, position: int, id: int) -> Row:
    content["healthkit_uuid"] = _uuid_text(content["healthkit_uuid"])
    return Row(content=content, position=position, id=id, existed=True)


def _tombstone(uuid, position, sync_identifier, sync_version, content_position, fingerprint) -> Tombstone:
    return Tombstone(
        uuid=_uuid_text(uuid),
        position=position,
        sync_identifier=sync_identifier,
        sync_version=sync_version,
        content_position=content_position,
        fingerprint=fingerprint,
    )


def _matching_sql(table: str, columns: str) -> str:
    """`columns` of an owner's rows in `table` with any of the uuids, sync identifiers or fingerprints
    (a row matching several keys comes once per key).

    Each key is looked up in its own index, which leads with the key ((key, owner): migration
    0006); the owner is compared as `owner_id + 0`, which no index can serve, so that the planner
    cannot pick an index that leads with the owner and filter the owner's rows instead. It did,
    whenever its statistics said the owner had few rows (a new owner, a table analyzed before a
    big import): every chunk then read all of the owner's rows (quadratic in them).
    """
    branches = [
        f"SELECT {columns} FROM {table} WHERE {column} = ANY(%({name})s::{kind}[]) AND owner_id + 0 = %(owner)s"
        for column, name, kind in (
            ("healthkit_uuid", "uuids", "uuid"),
            ("sync_identifier", "syncs", "text"),
            ("fingerprint", "fingerprints", "text"),
        )
    ]
    return " UNION ALL ".join(branches)


_ROWS_LOAD = _matching_sql("healthkit_healthsample", f"id, position, {', '.join(CONTENT_FIELDS)}")
_TOMBSTONES_LOAD = _matching_sql(
    "healthkit_healthsampledeletion",
    "healthkit_uuid, position, sync_identifier, sync_version, content_position, fingerprint",
)
#: before the loads, in one round trip: no sequential scans for the rest of the transaction (the
#: key indexes even where statistics call the table tiny: a new deployment, or before autovacuum
#: analyzes; a scan per chunk would be quadratic; the transaction's other statements find rows by
#: primary key), and whether the owner has tombstones at all (most have none: their probes are skipped)
_LOADS_PREPARE = (
    "SELECT set_config('enable_seqscan', 'off', true), "
    "EXISTS (SELECT FROM healthkit_healthsampledeletion WHERE owner_id = %s)"  # the owner's FK index
)


_METADATA = CONTENT_FIELDS.index("metadata")


def _literal(items: set[str]) -> str:
    """A PostgreSQL array literal of strings that need no quoting (validated uuids, hex digests)."""
    return "{" + ",".join(items) + "}"


def _json(value):
    """A jsonb value as Django's connection gives it (text) or as psycopg does (decoded)."""
    return orjson.loads(value) if isinstance(value, str) else value


def plan_load(*, owner_id: int, writes) -> Plan:
    """The rows and tombstones of the owner that the writes can touch (call under owner_lock)."""
    keys = _keys(writes)
    if connection.vendor != "postgresql":
        samples = HealthSample.objects.filter(owner_id=owner_id).filter(_matching(*keys)).only(*CONTENT_FIELDS, "position")
        rows = [_row({name: getattr(sample, name) for name in CONTENT_FIELDS}, sample.position, sample.id) for sample in samples]
        stones = HealthSampleDeletion.objects.filter(owner_id=owner_id).filter(_matching(*keys)).values_list(
            "healthkit_uuid", "position", "sync_identifier", "sync_version", "content_position", "fingerprint"
        )
    else:
        uuids, syncs, fingerprints = keys
        # uuids and fingerprints (hex) need no quoting: written as array literals, not dumped item by item
        params = {"owner": owner_id, "uuids": _literal(uuids), "syncs": list(syncs), "fingerprints": _literal(fingerprints)}
        [(_, tombstones_exist)] = server_bound_fetchall(_LOADS_PREPARE, [owner_id])
        found = {values[0]: values for values in server_bound_fetchall(_ROWS_LOAD, params)}  # once per row
        rows = [
            _row(dict(zip(CONTENT_FIELDS, values, strict=True)) | {"metadata": _json(values[_METADATA])}, position, id)
            for id, position, *values in found.values()
        ]
        stones = {stone[0]: stone for stone in server_bound_fetchall(_TOMBSTONES_LOAD, params)}.values() if tombstones_exist else ()
    tombstones = {tombstone.uuid: tombstone for tombstone in (_tombstone(*stone) for stone in stones)}
    return Plan(rows=rows, tombstones=tombstones)


def plan_save(plan: Plan, *, owner_id: int, batch_id) -> None:
    """Write the plan's outcome: deletions, updates, inserts, tombstones, the removed rows' feed entries.

    Every row whose content the plan changed (or created) gets a new feed id (its change_id).
    """
    now = timezone.now()
    gone = [row for row in plan.rows if row.existed and row.deleted]
    kept = [row for row in plan.rows if row.existed and not row.deleted and (row.changed or row.moved)]
    new = [row for row in plan.rows if not row.existed and not row.deleted]
    change_ids_assign(updated=[row for row in kept if row.changed], created=new)
    if gone:
        HealthSample.objects.filter(id__in=[row.id for row in gone]).delete()
    batch = _uuid(str(batch_id)) if batch_id else None
    _rows_update(kept, batch=batch, now=now)
    _rows_insert(new, owner_id=owner_id, batch=batch, now=now)
    _tombstones_save(plan, owner_id=owner_id, batch_id=batch_id)
    removals_append([(row.id, _uuid(row.uuid)) for row in gone], owner_id=owner_id, batch_id=batch, now=now)


def _model(row: Row, **extra) -> HealthSample:
    return HealthSample(**row.content, position=row.position, **extra)


def _rows_update(rows: list[Row], *, batch: UUID | None, now) -> None:
    """Rows whose content changed get it (with the batch, change id and updated_at); rows whose position alone moved get that."""
    changed = [row for row in rows if row.changed]
    moved = [row for row in rows if not row.changed]
    if connection.vendor != "postgresql":
        models = [_model(row, id=row.id, updated_at=now, change_id=row.change_id, import_batch_id=batch) for row in changed]
        fields = [*CONTENT_FIELDS, "position", "updated_at", "change_id", "import_batch"]
        HealthSample.objects.bulk_update(models, fields, batch_size=BULK_SIZE)
        HealthSample.objects.bulk_update([HealthSample(id=row.id, position=row.position) for row in moved], ["position"])
        return
    table = HealthSample._meta.db_table
    for start in range(0, len(changed), BULK_SIZE):
        values = [(row.id, batch, now, row.change_id, row.position, *_content(row)) for row in changed[start : start + BULK_SIZE]]
        unnest_update(table, _UPDATE_COLUMNS, values)
    for start in range(0, len(moved), BULK_SIZE):
        unnest_update(table, (("id", "int8"), ("position", "int8")), [(row.id, row.position) for row in moved[start : start + BULK_SIZE]])


#: PostgreSQL types of the content columns (healthkit.sync.plan.CONTENT_FIELDS)
_CONTENT_TYPES = {
    "recognized": "bool", "value": "float8", "canonical_value": "float8", "start_at": "timestamptz",
    "end_at": "timestamptz", "start_offset": "int4", "end_offset": "int4", "metadata": "jsonb",
    "healthkit_uuid": "uuid", "sync_version": "int8",
}  # fmt: skip
_CONTENT_COLUMNS = tuple((name, _CONTENT_TYPES.get(name, "text")) for name in CONTENT_FIELDS)
#: a new row's columns: its id and change_id come from their defaults (PostgreSQL: the sequences)
_INSERT_COLUMNS = (
    ("owner_id", "int4"), ("created_at", "timestamptz"), ("import_batch_id", "uuid"), ("updated_at", "timestamptz"),
    ("position", "int8"), *_CONTENT_COLUMNS,
)  # fmt: skip
#: what a change sets on a stored row (found by id)
_UPDATE_COLUMNS = (
    ("id", "int8"), ("import_batch_id", "uuid"), ("updated_at", "timestamptz"), ("change_id", "int8"), ("position", "int8"),
    *_CONTENT_COLUMNS,
)  # fmt: skip
_UUID = CONTENT_FIELDS.index("healthkit_uuid")
_content_values = itemgetter(*CONTENT_FIELDS)


def _uuid(text: str | None) -> UUID | None:
    return UUID(text) if text else None


def _content(row: Row) -> tuple:
    """The row's content in CONTENT_FIELDS order, its uuid as a UUID (binary COPY and arrays take that)."""
    content = _content_values(row.content)
    if content[_UUID] is None:
        return content
    return (*content[:_UUID], UUID(content[_UUID]), *content[_UUID + 1 :])


def _rows_insert(rows: list[Row], *, owner_id: int, batch: UUID | None, now) -> None:
    """New rows: COPY'd in (binary) on PostgreSQL, their ids and change ids from the columns' defaults."""
    if connection.vendor != "postgresql":
        models = [
            _model(row, owner_id=owner_id, import_batch_id=batch, updated_at=now, change_id=row.change_id) for row in rows
        ]
        HealthSample.objects.bulk_create(models, batch_size=BULK_SIZE)
        for row, model in zip(rows, models, strict=True):
            row.id = model.id
        return
    table = HealthSample._meta.db_table
    copy_rows(table, _INSERT_COLUMNS, [(owner_id, now, batch, now, row.position, *_content(row)) for row in rows])


def _tombstones_save(plan: Plan, *, owner_id: int, batch_id) -> None:
    if plan.removed_tombstones:
        HealthSampleDeletion.objects.filter(owner_id=owner_id, healthkit_uuid__in=plan.removed_tombstones).delete()
    dirty = [stone for stone in plan.tombstones.values() if stone.dirty]
    HealthSampleDeletion.objects.bulk_create(
        [
            HealthSampleDeletion(
                owner_id=owner_id,
                healthkit_uuid=stone.uuid,
                position=stone.position,
                sync_identifier=stone.sync_identifier,
                sync_version=stone.sync_version,
                content_position=stone.content_position,
                fingerprint=stone.fingerprint or "",
                import_batch_id=batch_id,
            )
            for stone in dirty
        ],
        update_conflicts=True,
        unique_fields=("owner", "healthkit_uuid"),
        update_fields=_TOMBSTONE_FIELDS,
        batch_size=BULK_SIZE,
    )


def writes_apply(*, owner_id: int, batch_id, writes: list[SampleWrite | DeleteWrite]):
    """Apply writes (in position order within the chunk) under the owner's lock; the counts."""
    owner_lock(owner_id)
    plan = plan_load(owner_id=owner_id, writes=writes)
    for write in sorted(writes, key=lambda write: write.position):
        plan.apply(write)
    plan_save(plan, owner_id=owner_id, batch_id=batch_id)
    return plan.counts
