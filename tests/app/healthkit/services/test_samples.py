"""items_apply: identity (uuid, sync identifier, content), positions, deletions and feed entries."""

import uuid

import pytest
from healthkit.models import AppleHealthImportBatch, HealthSample, HealthSampleChange, HealthSampleDeletion
from healthkit.services.samples import items_apply
from healthkit.validation import DeletionIn

from localservices.samples import heart_rate_sample
from tests.support.samples import parsed_samples

pytestmark = pytest.mark.django_db

UUID_A = "0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E10"
UUID_B = "7F4A0C1E-2B3D-4E5F-8A9B-0C1D2E3F4A5B"


def _apply(owner, raw_items, *, sequence):
    items = [DeletionIn(uuid=item["delete"]) if "delete" in item else parsed_samples([item])[0] for item in raw_items]
    return items_apply(owner_id=owner.pk, items=items, sequence=sequence)


def _rows(owner):
    return list(
        HealthSample.objects.filter(owner=owner)
        .order_by("id")
        .values_list("healthkit_uuid", "canonical_value", "unit", "source_bundle_id")
    )


def test_two_healthkit_samples_with_the_same_content_and_different_uuids_are_two_rows(user):
    counts = _apply(user, [heart_rate_sample(0, uuid=UUID_A), heart_rate_sample(0, uuid=UUID_B)], sequence=1)
    assert counts.created == 2
    assert sorted(str(row[0]).upper() for row in _rows(user)) == sorted([UUID_A, UUID_B])


def test_the_same_uuid_resent_with_a_corrected_value_updates_its_row(user):
    _apply(user, [heart_rate_sample(0, uuid=UUID_A, value=70)], sequence=1)
    counts = _apply(user, [heart_rate_sample(0, uuid=UUID_A, value=75)], sequence=2)
    assert (counts.created, counts.updated) == (0, 1)
    assert [(row[0], row[1]) for row in _rows(user)] == [(uuid.UUID(UUID_A), 1.25)]


def test_an_older_write_of_a_uuid_arriving_late_is_stale(user):
    _apply(user, [heart_rate_sample(0, uuid=UUID_A, value=75)], sequence=2)
    counts = _apply(user, [heart_rate_sample(0, uuid=UUID_A, value=70)], sequence=1)
    assert counts.stale == 1
    assert [row[1] for row in _rows(user)] == [1.25]


def _synced(version: int, value: float, sample_uuid: str) -> dict:
    metadata = {"HKMetadataKeySyncIdentifier": "scale-42", "HKMetadataKeySyncVersion": version}
    return heart_rate_sample(0, uuid=sample_uuid, value=value, metadata=metadata)


def test_a_higher_sync_version_replaces_the_sample_and_a_lower_one_is_stale(user):
    _apply(user, [_synced(1, 60, UUID_A)], sequence=1)
    newer = _apply(user, [_synced(2, 66, UUID_B)], sequence=2)
    older = _apply(user, [_synced(1, 90, UUID_A)], sequence=3)
    assert (newer.updated, older.stale) == (1, 1)
    assert [(row[0], row[1]) for row in _rows(user)] == [(uuid.UUID(UUID_B), 1.1)]


def test_the_same_heart_rate_in_count_per_minute_and_count_per_second_is_one_row(user):
    counts = _apply(user, [heart_rate_sample(0, value=72, unit="count/min"), heart_rate_sample(0, value=1.2, unit="count/s")], sequence=1)
    assert (counts.created, counts.duplicate) == (1, 1)
    assert [(row[1], row[2]) for row in _rows(user)] == [(1.2, "count/min")]


@pytest.mark.parametrize("order", ["backfill first", "live sync first"])
def test_a_backfill_without_bundle_id_and_a_live_sync_of_one_measurement_are_one_row(user, order):
    backfill = heart_rate_sample(0, source_bundle_id=None, metadata=None)
    live = heart_rate_sample(0, uuid=UUID_A)
    first, second = (backfill, live) if order == "backfill first" else (live, backfill)
    _apply(user, [first], sequence=1)
    _apply(user, [second], sequence=2)
    assert [(row[0], row[3]) for row in _rows(user)] == [(uuid.UUID(UUID_A), "com.apple.health.8C3B")]


def test_a_deletion_removes_the_sample_leaves_a_tombstone_and_is_idempotent(user):
    _apply(user, [heart_rate_sample(0, uuid=UUID_A)], sequence=1)
    first = _apply(user, [{"delete": UUID_A}], sequence=2)
    again = _apply(user, [{"delete": UUID_A}], sequence=3)
    assert (first.deleted, again.deleted, again.duplicate) == (1, 0, 1)
    assert _rows(user) == []
    assert HealthSampleDeletion.objects.filter(owner=user, healthkit_uuid=UUID_A).exists()


def test_a_sample_older_than_its_deletion_is_not_brought_back(user):
    _apply(user, [{"delete": UUID_A}], sequence=2)
    counts = _apply(user, [heart_rate_sample(0, uuid=UUID_A)], sequence=1)
    assert counts.stale == 1
    assert _rows(user) == []


def test_writes_applied_out_of_order_end_as_in_order(user_factory):
    in_order, out_of_order = user_factory(), user_factory()
    batches = [
        (1, [heart_rate_sample(0, uuid=UUID_A, value=60), heart_rate_sample(1, uuid=UUID_B, value=61)]),
        (2, [heart_rate_sample(0, uuid=UUID_A, value=70), {"delete": UUID_B}]),
        (3, [heart_rate_sample(1, uuid=UUID_B, value=80)]),
    ]
    for sequence, items in batches:
        _apply(in_order, items, sequence=sequence)
    for sequence, items in reversed(batches):
        _apply(out_of_order, items, sequence=sequence)
    assert sorted(_rows(in_order)) == sorted(_rows(out_of_order))
    assert sorted((str(row[0]).upper(), row[1]) for row in _rows(in_order)) == [(UUID_A, 1.16666666667), (UUID_B, 1.33333333333)]


def _change_ids(owner) -> dict:
    return dict(HealthSample.objects.filter(owner=owner).values_list("healthkit_uuid", "change_id"))


def test_a_change_gives_its_row_a_new_feed_id_a_duplicate_none_and_a_removal_one_entry(user):
    _apply(user, [heart_rate_sample(0, uuid=UUID_A), heart_rate_sample(1)], sequence=1)
    created = _change_ids(user)
    _apply(user, [heart_rate_sample(1)], sequence=2)  # a duplicate: nothing changes
    assert _change_ids(user) == created
    _apply(user, [heart_rate_sample(0, uuid=UUID_A, value=99)], sequence=3)  # a correction
    corrected = _change_ids(user)
    assert corrected[uuid.UUID(UUID_A)] > max(created.values()) and corrected[None] == created[None]
    _apply(user, [{"delete": UUID_A}], sequence=4)
    (removal,) = HealthSampleChange.objects.filter(owner=user)
    assert (removal.kind, removal.healthkit_uuid, removal.data) == ("delete", uuid.UUID(UUID_A), None)
    assert removal.id > corrected[uuid.UUID(UUID_A)]  # one sequence: the removal comes after the row's last change


def test_a_change_records_its_batch_on_the_row(user):
    first, second = (AppleHealthImportBatch.objects.create(owner=user) for _ in range(2))
    items_apply(owner_id=user.pk, items=parsed_samples([heart_rate_sample(0, uuid=UUID_A)]), sequence=1, batch_id=first.pk)
    items_apply(owner_id=user.pk, items=parsed_samples([heart_rate_sample(0, uuid=UUID_A, value=99)]), sequence=2, batch_id=second.pk)
    assert HealthSample.objects.get(owner=user).import_batch_id == second.pk


def test_a_row_keeps_the_value_as_sent_beside_the_canonical_one_and_its_offsets(user):
    _apply(user, [heart_rate_sample(0, value=72, unit="bpm", start="2024-03-10T01:30:00-08:00", end="2024-03-10T01:30:00-08:00")], sequence=1)
    row = HealthSample.objects.get(owner=user)
    assert (row.value, row.unit, row.canonical_value, row.canonical_unit) == (72.0, "bpm", 1.2, "count/s")
    assert (row.start_offset, row.end_offset) == (-8 * 3600, -8 * 3600)
