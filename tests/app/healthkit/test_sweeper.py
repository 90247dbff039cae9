"""The sweeper against the real database, tasks run in-process (dev's eager mode): what it
sends, re-sends, gives up on and leaves alone, and what the batch status says meanwhile."""

from datetime import timedelta

import pytest
from django.utils import timezone
from healthkit import errors
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, BatchStatus, ChunkStatus
from healthkit.sweeper import SweepLimits, chunks_sweep

from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples

pytestmark = pytest.mark.django_db

LIMITS = SweepLimits(
    send_grace=timedelta(seconds=30), stale_after=timedelta(seconds=420), max_attempts=3, batch_size=100
)


def _chunk(chunk) -> AppleHealthImportChunk:
    return AppleHealthImportChunk.objects.get(pk=chunk.pk)


def _later(seconds: float):
    return timezone.now() + timedelta(seconds=seconds)


def _quiet(chunk, *, status: str, attempts: int, sent: bool = True) -> None:
    """The chunk as an attempt lost to a fault leaves it: nothing has touched it since."""
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(
        status=status, attempts=attempts, enqueued_at=timezone.now() if sent else None, enqueues=int(sent)
    )


def test_a_chunk_whose_message_was_never_sent_is_sent_after_the_grace(user):
    samples = heart_rate_samples(4)
    batch, (chunk,) = batch_with_chunks_create(user, [samples])
    assert chunks_sweep(now=_later(29), limits=LIMITS).sent == []
    result = chunks_sweep(now=_later(31), limits=LIMITS)
    assert (result.never_sent, result.sent) == ([str(chunk.pk)], [str(chunk.pk)])
    assert AppleHealthImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMPLETED
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert _chunk(chunk).enqueues == 1


@pytest.mark.parametrize("status", [ChunkStatus.QUEUED, ChunkStatus.PROCESSING])
def test_a_stuck_chunk_is_sent_again_and_completes(user, status):
    samples = heart_rate_samples(3)
    batch, (chunk,) = batch_with_chunks_create(user, [samples])
    _quiet(chunk, status=status, attempts=1)
    assert chunks_sweep(now=_later(419), limits=LIMITS).stuck == []  # an attempt may still be running
    result = chunks_sweep(now=_later(421), limits=LIMITS)
    assert (result.stuck, result.sent, result.given_up) == ([str(chunk.pk)], [str(chunk.pk)], [])
    assert (_chunk(chunk).status, _chunk(chunk).attempts) == (ChunkStatus.SUCCEEDED, 2)
    assert AppleHealthImportBatch.objects.get(pk=batch.pk).status == BatchStatus.COMPLETED


def test_a_stuck_chunk_out_of_attempts_ends_failed_and_its_batch_is_finalized(user):
    batch, (stuck, done) = batch_with_chunks_create(user, [heart_rate_samples(2), heart_rate_samples(2, start=10)])
    chunks_sweep(now=_later(31), limits=LIMITS)  # both imported
    AppleHealthImportChunk.objects.filter(pk=stuck.pk).update(status=ChunkStatus.PROCESSING, finished_at=None)
    AppleHealthImportBatch.objects.filter(pk=batch.pk).update(
        status=BatchStatus.PROCESSING, chunks_succeeded=1, finished_at=None
    )
    _quiet(stuck, status=ChunkStatus.PROCESSING, attempts=LIMITS.max_attempts)
    result = chunks_sweep(now=_later(421), limits=LIMITS)
    assert (result.given_up, result.sent) == ([str(stuck.pk)], [])
    chunk = _chunk(stuck)
    assert chunk.status == ChunkStatus.FAILED
    assert chunk.error.startswith(errors.CHUNK_ATTEMPTS_EXHAUSTED.format(attempts=3, error="no attempt ended"))
    batch = AppleHealthImportBatch.objects.get(pk=batch.pk)
    assert (batch.status, batch.chunks_failed, batch.chunks_succeeded) == (BatchStatus.COMPLETED_WITH_ERRORS, 1, 1)


def test_a_chunk_with_recent_news_is_left_alone(user):
    _, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(1)])
    _quiet(chunk, status=ChunkStatus.PROCESSING, attempts=1)
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(updated_at=_later(400))  # claimed again later
    assert chunks_sweep(now=_later(421), limits=LIMITS).stuck == []
    assert _chunk(chunk).status == ChunkStatus.PROCESSING


def test_the_batch_status_counts_stalled_chunks(api_client, user, settings):
    settings.HEALTHKIT_SWEEPER_SEND_GRACE = 0
    batch, _ = batch_with_chunks_create(user, [heart_rate_samples(1), heart_rate_samples(1, start=5)])
    status = api_client.get(f"/api/v1/imports/{batch.pk}").json()
    assert (status["status"], status["chunks_queued"], status["chunks_stalled"]) == ("queued", 2, 2)
