"""The same message delivered twice (SQS is at-least-once), and two workers running the same
chunk at once (a duplicate delivered while the first is still running): each sample is
stored once, the chunk is counted once, and every message is acked."""

import pytest
from healthkit.models import AppleHealthImportChunk, BatchStatus

from tests.support.database_faults import sample_insert_held
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples

pytestmark = pytest.mark.django_db(transaction=True)


def _attempts(chunk) -> int:
    return AppleHealthImportChunk.objects.get(pk=chunk.pk).attempts


def test_a_message_delivered_again_after_its_chunk_succeeded_changes_nothing(
    user,
    sqs_queue_factory,
    worker_env_factory,
    celery_worker_factory,
    chunk_messages_send,
    batch_ended,
    queue_drained,
):
    queue = sqs_queue_factory(task_time_limit=60)
    samples = heart_rate_samples(8)
    batch, (chunk,) = batch_with_chunks_create(user, [samples])
    chunk_messages_send(queue, [chunk])
    celery_worker_factory(worker_env_factory(queue))
    first = batch_ended(batch)
    queue_drained(queue.url)

    chunk_messages_send(queue, [chunk])
    queue_drained(queue.url)

    batch.refresh_from_db()
    assert (batch.status, batch.records_created, batch.records_duplicate) == (BatchStatus.COMPLETED, 8, 0)
    assert batch.finished_at == first.finished_at
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert _attempts(chunk) == 1


def test_two_workers_running_the_same_chunk_at_once_store_each_sample_once(
    user,
    sqs_queue_factory,
    worker_env_factory,
    celery_worker_factory,
    chunk_messages_send,
    worker_sessions_blocked,
    batch_ended,
    queue_drained,
):
    queue = sqs_queue_factory(task_time_limit=60)
    env = worker_env_factory(queue, concurrency=1)
    samples = heart_rate_samples(8)
    batch, (chunk,) = batch_with_chunks_create(user, [samples])
    chunk_messages_send(queue, [chunk, chunk])

    with sample_insert_held(user, samples[3]):
        celery_worker_factory(env)
        worker_sessions_blocked(count=1)  # the first is mid-chunk: its INSERT waits
        celery_worker_factory(env)
        worker_sessions_blocked(count=2)  # the second waits on the chunk's row to claim it
    batch = batch_ended(batch)

    assert (batch.status, batch.chunks_succeeded, batch.records_created, batch.records_duplicate) == (
        BatchStatus.COMPLETED,
        1,
        8,
        0,
    )
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert _attempts(chunk) == 1
    queue_drained(queue.url)
