"""Migrations 0002-0004 on rows written with 0001's schema and fingerprint; 0008 on a feed written
before it; 0009 (the chunk payload as text) both ways."""

import json
import uuid

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

pytestmark = pytest.mark.django_db(transaction=True)

OLD = [("healthkit", "0001_initial")]
UUID_A = uuid.UUID("0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E10")


def _migrate(targets):
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


@pytest.fixture
def old_apps():
    apps = _migrate(OLD)
    yield apps
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("healthkit"))


def _old_row(apps, owner_id, batch, fingerprint, **overrides):
    fields = dict(
        owner_id=owner_id,
        type="HKQuantityTypeIdentifierHeartRate",
        value=72.0,
        unit="count/min",
        start_at="2024-03-10T09:30:00Z",
        end_at="2024-03-10T09:30:00Z",
        source_name="Watch",
        source_bundle_id="com.apple.health",
        fingerprint=fingerprint,
        import_batch=batch,
    )
    return apps.get_model("healthkit", "HealthSample").objects.create(**(fields | overrides))


def test_old_rows_get_canonical_values_and_new_fingerprints_and_what_is_now_one_sample_is_merged(old_apps, user):
    Batch = old_apps.get_model("healthkit", "AppleHealthImportBatch")
    first, second = Batch.objects.create(owner_id=user.pk), Batch.objects.create(owner_id=user.pk)
    _old_row(old_apps, user.pk, first, "a" * 64)  # 72 count/min ...
    _old_row(old_apps, user.pk, second, "b" * 64, value=1.2, unit="count/s", source_bundle_id="")  # ... is 1.2 count/s
    _old_row(old_apps, user.pk, first, "c" * 64, start_at="2024-03-11T00:00:00Z", end_at="2024-03-11T00:00:00Z", healthkit_uuid=UUID_A)
    corrected = _old_row(old_apps, user.pk, second, "d" * 64, value=80, start_at="2024-03-11T00:00:00Z", end_at="2024-03-11T00:00:00Z", healthkit_uuid=UUID_A)
    _old_row(old_apps, user.pk, first, "e" * 64, type="HKQuantityTypeIdentifierStepCount", unit="kg", value=5)

    new_apps = _migrate([("healthkit", "0004_sync_constraints")])
    Sample = new_apps.get_model("healthkit", "HealthSample")
    rows = {(row.type, row.healthkit_uuid): row for row in Sample.objects.filter(owner_id=user.pk)}
    assert len(rows) == 3
    heart = rows[("HKQuantityTypeIdentifierHeartRate", None)]
    assert (heart.canonical_value, heart.canonical_unit, heart.value, heart.unit) == (1.2, "count/s", 72.0, "count/min")
    assert heart.start_offset is None  # not known for rows stored before offsets were kept
    assert rows[("HKQuantityTypeIdentifierHeartRate", UUID_A)].id == corrected.id  # the latest write of a uuid stays
    steps = rows[("HKQuantityTypeIdentifierStepCount", None)]
    assert (steps.canonical_value, steps.canonical_unit) == (5.0, "kg")  # an old unit the type does not take stays as it was
    assert all(len(row.fingerprint) == 64 and row.fingerprint not in ("a" * 64, "c" * 64) for row in rows.values())
    feed = new_apps.get_model("healthkit", "HealthSampleChange").objects.filter(owner_id=user.pk)
    assert sorted(feed.values_list("sample_id", flat=True)) == sorted(row.id for row in rows.values())
    sequences = list(new_apps.get_model("healthkit", "AppleHealthImportBatch").objects.order_by("created_at").values_list("sequence", flat=True))
    assert sequences == [1, 2]


def test_a_batch_created_after_the_migration_continues_the_sequence(old_apps, user):
    old_apps.get_model("healthkit", "AppleHealthImportBatch").objects.create(owner_id=user.pk)
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("healthkit"))
    from healthkit.sync.positions import batch_sequence_next

    assert batch_sequence_next() == 2


@pytest.fixture
def feed_apps():
    """The schema before the compacted feed (0007), migrated to the newest after the test."""
    apps = _migrate([("healthkit", "0007_exports")])
    yield apps
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("healthkit"))


def _feed_entry(apps, owner_id, kind, sample, data=None):
    return apps.get_model("healthkit", "HealthSampleChange").objects.create(
        owner_id=owner_id, kind=kind, sample_id=sample.id, healthkit_uuid=sample.healthkit_uuid, data=data
    )


def test_0008_makes_each_row_its_latest_feed_entry_and_keeps_what_readers_were_given(feed_apps, user):
    Batch = feed_apps.get_model("healthkit", "AppleHealthImportBatch")
    batch = Batch.objects.create(owner_id=user.pk)
    corrected = _old_row(feed_apps, user.pk, batch, "a" * 64, healthkit_uuid=UUID_A)
    plain = _old_row(feed_apps, user.pk, batch, "b" * 64, value=80)
    unlisted = _old_row(feed_apps, user.pk, batch, "c" * 64, value=90)  # no entry (cannot happen after 0003; handled)
    gone = _old_row(feed_apps, user.pk, batch, "d" * 64, value=100)
    first = _feed_entry(feed_apps, user.pk, "upsert", corrected, {"value": 72})
    _feed_entry(feed_apps, user.pk, "upsert", plain, {"value": 80})
    latest = _feed_entry(feed_apps, user.pk, "upsert", corrected, {"value": 75})
    _feed_entry(feed_apps, user.pk, "upsert", gone, {"value": 100})
    removal = _feed_entry(feed_apps, user.pk, "delete", gone)
    gone_id = gone.id
    gone.delete()

    new_apps = _migrate([("healthkit", "0008_compacted_changes_feed")])
    change_ids = dict(new_apps.get_model("healthkit", "HealthSample").objects.values_list("id", "change_id"))
    assert change_ids[corrected.id] == latest.id and change_ids[plain.id] == first.id + 1
    assert change_ids[unlisted.id] > removal.id  # a new id: after every entry a reader may have read
    from django.contrib.auth import get_user_model
    from healthkit.selectors import changes_page

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("healthkit"))
    owner = get_user_model().objects.get(pk=user.pk)
    whole = changes_page(user=owner, after_id=0, limit=100).entries
    assert [(entry.id, entry.kind, entry.sample_id) for entry in whole] == [
        (first.id, "upsert", corrected.id),  # the old entries, as readers were given them
        (first.id + 1, "upsert", plain.id),
        (latest.id, "upsert", corrected.id),  # the row itself now (same id as its last old entry)
        (latest.id + 1, "upsert", gone_id),
        (removal.id, "delete", gone_id),
        (change_ids[unlisted.id], "upsert", unlisted.id),
    ]
    assert whole[0].data == {"value": 72} and whole[2].data["value"] == 72.0  # the row's own view, not the old copy
    assert [entry.id for entry in changes_page(user=owner, after_id=latest.id, limit=100).entries] == [
        latest.id + 1, removal.id, change_ids[unlisted.id]
    ]  # fmt: skip


def test_after_0008_an_insert_that_names_no_change_id_gets_one_from_the_feed_sequence(feed_apps, user):
    """Code from before 0008 (a rollout's old tasks, a rollback) inserts rows without change_id."""
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("healthkit"))
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO healthkit_healthsample (owner_id, type, recognized, value, unit, canonical_value, canonical_unit,"
            " start_at, end_at, time_zone, source_name, source_bundle_id, device, metadata, workout_activity_type,"
            " correlation_type, correlation_id, fingerprint, position, created_at, updated_at)"
            " VALUES (%s, 'HKQuantityTypeIdentifierHeartRate', true, 72, 'count/min', 1.2, 'count/s', now(), now(), '',"
            " 'Watch', '', '', '{}', '', '', '', %s, 0, now(), now()) RETURNING change_id",
            [user.pk, "e" * 64],
        )
        (change_id,) = cursor.fetchone()
    from healthkit.sync.bulk import ids_allocate

    assert change_id is not None and ids_allocate("healthkit_healthsamplechange", 1) == [change_id + 1]


@pytest.fixture
def jsonb_payload_apps():
    """The schema before the chunk payload was text (0008), migrated to the newest after the test."""
    apps = _migrate([("healthkit", "0008_compacted_changes_feed")])
    yield apps
    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("healthkit"))


def _payload_column_type() -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT data_type FROM information_schema.columns "
            "WHERE table_name = 'healthkit_applehealthimportchunk' AND column_name = 'payload'"
        )
        return cursor.fetchone()[0]


def test_0009_keeps_each_payload_as_jsonbs_text_and_its_chunk_imports_validated_again(jsonb_payload_apps, user):
    from healthkit.chunk_payload import chunk_contents, chunk_payload
    from healthkit.models import AppleHealthImportChunk
    from healthkit.services.imports import chunk_import
    from localservices.samples import heart_rate_samples
    from tests.support.imports import expected_fingerprints, stored_fingerprints
    from tests.support.samples import parsed_samples

    raw = heart_rate_samples(3)
    items = json.loads(chunk_payload(parsed_samples(raw), owner_id=user.pk).text)
    Batch, Chunk = (jsonb_payload_apps.get_model("healthkit", name) for name in ("AppleHealthImportBatch", "AppleHealthImportChunk"))
    batch = Batch.objects.create(owner_id=user.pk, chunks_total=2, records_received=len(raw))
    queued = Chunk.objects.create(batch=batch, index=0, payload=items, payload_mac="f" * 64, records_received=len(raw))
    emptied = Chunk.objects.create(batch=batch, index=1, payload=[], status="succeeded")
    assert _payload_column_type() == "jsonb"

    _migrate([("healthkit", "0009_chunk_payload_text")])
    assert _payload_column_type() == "text"
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb::text", [json.dumps(items)])
        (jsonb_text,) = cursor.fetchone()
    stored = AppleHealthImportChunk.objects.get(pk=queued.pk)
    assert (stored.payload, AppleHealthImportChunk.objects.get(pk=emptied.pk).payload) == (jsonb_text, "[]")
    assert json.loads(stored.payload) == items and not chunk_contents(stored.payload, stored.payload_mac, owner_id=user.pk)[1]
    assert chunk_import(chunk_id=str(queued.pk)).status == "succeeded"
    assert stored_fingerprints(user) == expected_fingerprints(user, raw)


def test_0009_reversed_gives_jsonb_back_what_the_new_code_wrote(jsonb_payload_apps, user):
    from healthkit.chunk_payload import EMPTIED
    from localservices.samples import heart_rate_samples
    from tests.support.imports import batch_with_chunks_create

    _migrate(MigrationExecutor(connection).loader.graph.leaf_nodes("healthkit"))
    _, (written, emptied) = batch_with_chunks_create(user, [heart_rate_samples(2), heart_rate_samples(1, start=5)])
    type(emptied).objects.filter(pk=emptied.pk).update(payload=EMPTIED)

    old_apps = _migrate([("healthkit", "0008_compacted_changes_feed")])
    assert _payload_column_type() == "jsonb"
    Chunk = old_apps.get_model("healthkit", "AppleHealthImportChunk")
    assert Chunk.objects.get(pk=written.pk).payload == json.loads(written.payload)
    assert Chunk.objects.get(pk=emptied.pk).payload == []
