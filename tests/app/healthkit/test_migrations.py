"""Migrations 0002-0004 on a database holding rows written with 0001's schema and fingerprint."""

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
