from datetime import UTC, datetime

import pytest
from healthkit.models import AppleHealthImportChunk, ChunkStatus
from healthkit.selectors import import_batch_errors, import_batch_get, sample_list
from healthkit.services.imports import chunk_import

from tests.support.imports import batch_with_chunks_create
from localservices.samples import heart_rate_samples, sleep_sample

pytestmark = pytest.mark.django_db


def _stored(owner, samples):
    _, chunks = batch_with_chunks_create(owner, [samples])
    chunk_import(chunk_id=str(chunks[0].pk))


def test_a_user_gets_their_own_batch(user):
    batch, _ = batch_with_chunks_create(user, [heart_rate_samples(1)])
    assert import_batch_get(user=user, batch_id=batch.pk) == batch


def test_another_users_batch_is_none(user, user_factory):
    batch, _ = batch_with_chunks_create(user, [heart_rate_samples(1)])
    assert import_batch_get(user=user_factory(), batch_id=batch.pk) is None


def test_batch_errors_list_the_failed_chunks_by_index(user):
    batch, chunks = batch_with_chunks_create(
        user, [heart_rate_samples(1), heart_rate_samples(1, start=1), heart_rate_samples(1, start=2)]
    )
    AppleHealthImportChunk.objects.filter(pk=chunks[2].pk).update(status=ChunkStatus.FAILED, attempts=5, error="late")
    AppleHealthImportChunk.objects.filter(pk=chunks[0].pk).update(status=ChunkStatus.FAILED, attempts=5, error="early")
    AppleHealthImportChunk.objects.filter(pk=chunks[1].pk).update(
        status=ChunkStatus.QUEUED, attempts=1, error="retrying"
    )
    assert import_batch_errors(batch=batch) == [
        {"chunk": 0, "attempts": 5, "message": "early"},
        {"chunk": 2, "attempts": 5, "message": "late"},
    ]


def test_sample_list_holds_only_the_users_samples_newest_first(user, user_factory):
    _stored(user, heart_rate_samples(3))
    _stored(user_factory(), heart_rate_samples(5))
    starts = [sample.start_at for sample in sample_list(user=user)]
    assert len(starts) == 3
    assert starts == sorted(starts, reverse=True)


def test_sample_list_filters_by_type(user):
    _stored(user, [*heart_rate_samples(2), sleep_sample()])
    assert [s.type for s in sample_list(user=user, type="HKCategoryTypeIdentifierSleepAnalysis")] == [
        "HKCategoryTypeIdentifierSleepAnalysis"
    ]


def test_sample_list_keeps_samples_overlapping_the_range(user):
    _stored(user, [sleep_sample()])  # 09:30 to 10:15 UTC
    overlapping = sample_list(
        user=user, start=datetime(2024, 3, 10, 10, 0, tzinfo=UTC), end=datetime(2024, 3, 10, 11, 0, tzinfo=UTC)
    )
    after = sample_list(user=user, start=datetime(2024, 3, 10, 10, 16, tzinfo=UTC))
    before = sample_list(user=user, end=datetime(2024, 3, 10, 9, 29, tzinfo=UTC))
    assert (overlapping.count(), after.count(), before.count()) == (1, 0, 0)
