"""Existing rows under the new identity: canonical values, sync keys, fingerprint v2, merges, feed.

- every batch gets a sequence number in creation order (and the PostgreSQL sequence continues it);
- every sample gets its canonical value (healthkit.sync.legacy), sync keys from its metadata, the
  version 2 fingerprint and a position (its batch's sequence); offsets stay unknown (null);
- rows the new identity makes one are merged: per uuid the latest row (highest id) stays, per
  sync identifier the highest version (then latest), per fingerprint of rows without uuid and sync
  identifier the earliest; a row without uuid and sync identifier whose fingerprint a row with a
  uuid or sync identifier has is that row's backfill and goes;
- every remaining row gets an `upsert` entry in the changes feed, so the feed replays the table.
"""

from django.db import migrations

SEQUENCE = "healthkit_batch_sequence"
ITEM_BITS = 24
BATCH_SIZE = 2000


def _sequences_assign(apps, schema_editor):
    Batch = apps.get_model("healthkit", "AppleHealthImportBatch")
    batches = list(Batch.objects.order_by("created_at", "id").only("id"))
    for number, batch in enumerate(batches, start=1):
        batch.sequence = number
    Batch.objects.bulk_update(batches, ["sequence"], batch_size=BATCH_SIZE)
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"CREATE SEQUENCE IF NOT EXISTS {SEQUENCE}")
            cursor.execute("SELECT setval(%s, %s, %s)", [SEQUENCE, max(len(batches), 1), bool(batches)])


def _rows_convert(apps, schema_editor):
    from healthkit.sync.legacy import legacy_fields

    Sample = apps.get_model("healthkit", "HealthSample")
    sequences = dict(apps.get_model("healthkit", "AppleHealthImportBatch").objects.values_list("id", "sequence"))
    changed = []
    for row in Sample.objects.order_by("id").iterator(chunk_size=BATCH_SIZE):
        for name, value in legacy_fields(row).items():
            setattr(row, name, value)
        row.position = (sequences.get(row.import_batch_id) or 0) << ITEM_BITS
        row.updated_at = row.created_at
        changed.append(row)
        if len(changed) >= BATCH_SIZE:
            _save(Sample, changed)
            changed = []
    _save(Sample, changed)


def _save(Sample, rows):
    fields = ["canonical_value", "canonical_unit", "sync_identifier", "sync_version", "recognized", "fingerprint"]
    Sample.objects.bulk_update(rows, [*fields, "position", "updated_at"], batch_size=BATCH_SIZE)


def _losers(rows) -> set[int]:
    """Ids of the rows the new identity merges into another (rows: dicts of one owner)."""
    losers: set[int] = set()
    by_uuid, by_sync, anonymous, identified_fps = {}, {}, {}, set()
    for row in rows:
        if row["sync_identifier"]:
            by_sync.setdefault(row["sync_identifier"], []).append(row)
        elif row["healthkit_uuid"]:
            by_uuid.setdefault(row["healthkit_uuid"], []).append(row)
        else:
            anonymous.setdefault(row["fingerprint"], []).append(row)
    for group in by_sync.values():
        keep = max(group, key=lambda row: (row["sync_version"], row["id"]))
        losers |= {row["id"] for row in group if row is not keep}
    kept_uuids = {}
    for row in rows:
        if row["id"] not in losers and row["healthkit_uuid"]:
            kept_uuids.setdefault(row["healthkit_uuid"], []).append(row)
    for group in kept_uuids.values():
        keep = max(group, key=lambda row: row["id"])
        losers |= {row["id"] for row in group if row is not keep}
    identified_fps = {row["fingerprint"] for row in rows if row["id"] not in losers and not _anonymous(row)}
    for fingerprint, group in anonymous.items():
        keep = None if fingerprint in identified_fps else min(group, key=lambda row: row["id"])
        losers |= {row["id"] for row in group if row is not keep}
    return losers


def _anonymous(row) -> bool:
    return not row["healthkit_uuid"] and not row["sync_identifier"]


def _rows_merge(apps, schema_editor):
    Sample = apps.get_model("healthkit", "HealthSample")
    fields = ("id", "owner_id", "healthkit_uuid", "sync_identifier", "sync_version", "fingerprint")
    for owner_id in Sample.objects.values_list("owner_id", flat=True).distinct():
        rows = list(Sample.objects.filter(owner_id=owner_id).values(*fields))
        losers = sorted(_losers(rows))
        for start in range(0, len(losers), BATCH_SIZE):
            Sample.objects.filter(id__in=losers[start : start + BATCH_SIZE]).delete()


def _feed_seed(apps, schema_editor):
    from healthkit.sync.snapshot import sample_snapshot

    Sample = apps.get_model("healthkit", "HealthSample")
    Change = apps.get_model("healthkit", "HealthSampleChange")
    entries = []
    for row in Sample.objects.order_by("id").iterator(chunk_size=BATCH_SIZE):
        entries.append(
            Change(
                owner_id=row.owner_id,
                kind="upsert",
                sample_id=row.id,
                healthkit_uuid=row.healthkit_uuid,
                data=sample_snapshot(row),
                import_batch_id=row.import_batch_id,
            )
        )
        if len(entries) >= BATCH_SIZE:
            Change.objects.bulk_create(entries)
            entries = []
    Change.objects.bulk_create(entries)


def forward(apps, schema_editor):
    _sequences_assign(apps, schema_editor)
    _rows_convert(apps, schema_editor)
    _rows_merge(apps, schema_editor)
    _feed_seed(apps, schema_editor)


def backward(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute(f"DROP SEQUENCE IF EXISTS {SEQUENCE}")


class Migration(migrations.Migration):
    dependencies = [("healthkit", "0002_sync_identity")]

    operations = [migrations.RunPython(forward, backward)]
