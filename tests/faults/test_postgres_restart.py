"""PostgreSQL crashes (an immediate restart: no checkpoint, recovery from the WAL) while
chunks commit. With commits synchronous (as on RDS; the test server too) no acknowledged
commit is lost: every sample is stored once, every chunk ends, the batch completes. Before:
one chunk stayed `processing` with its message already deleted, its batch forever open."""

import pytest
from django.db import connection
from healthkit.models import AppleHealthImportChunk, BatchStatus, ChunkStatus

from tests.support.database_faults import sample_insert_held
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples
from localservices.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

CHUNKS = 24
PER_CHUNK = 200


def _succeeded(batch) -> int:
    return AppleHealthImportChunk.objects.filter(batch=batch, status=ChunkStatus.SUCCEEDED).count()


def test_the_local_server_commits_synchronously_like_rds(postgres_server):
    assert postgres_server.execute("SHOW synchronous_commit") == [("on",)]


def test_an_immediate_restart_while_chunks_commit_loses_nothing_and_leaves_nothing_open(
    user,
    postgres_server,
    sqs_queue_factory,
    worker_env_factory,
    celery_worker_factory,
    chunk_messages_send,
    batch_ended,
    queue_drained,
):
    queue = sqs_queue_factory(task_time_limit=60)
    samples = heart_rate_samples(CHUNKS * PER_CHUNK)
    parts = [samples[start : start + PER_CHUNK] for start in range(0, len(samples), PER_CHUNK)]
    batch, chunks = batch_with_chunks_create(user, parts)
    chunk_messages_send(queue, chunks)

    with sample_insert_held(user, parts[-1][0]):  # one chunk surely mid-transaction, the batch still open
        celery_worker_factory(worker_env_factory(queue, concurrency=4))
        wait_until(lambda: _succeeded(batch) >= 3, timeout=60, interval=0.05, message="3 chunks to succeed")
        postgres_server.restart()  # the others: claiming, inserting, committing
    connection.close()  # this test's own session died with the server
    batch = batch_ended(batch, timeout=90)

    assert (batch.status, batch.records_created, batch.chunks_failed) == (BatchStatus.COMPLETED, len(samples), 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert set(AppleHealthImportChunk.objects.filter(batch=batch).values_list("status", flat=True)) == {
        ChunkStatus.SUCCEEDED
    }
    queue_drained(queue.url)
