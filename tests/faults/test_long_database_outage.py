"""The database down longer than every receive a message has, while its messages arrive: no
chunk is marked failed, no operator redrives anything, and the batch ends imported once the
database is back. Before: every message burned its receives, went to the dead-letter queue,
and the batch stayed `queued` at 0 until a manual redrive.

Two mechanisms, both on: an attempt that finds the database down waits for it holding its
message (HEALTHKIT_DATABASE_WAIT, no receive burned meanwhile); when the outage outlasts
even that, the message is dead-lettered and the worker's sweeper re-sends the chunk once the
database answers. Timings are scaled down (production: a 180 s wait per receive, 5 receives,
a 420 s stale window; here 2 s, 2 receives, 12 s): the outage (20 s by default) outlasts the
receives as a 130 s outage outlasted 6 receives of 20 s. HEALTHKIT_FAULT_DB_OUTAGE_SECONDS
runs it for longer (e.g. 130).
"""

import os
import time

import pytest
from healthkit.models import AppleHealthImportChunk, BatchStatus, ChunkStatus

from tests.support.database_faults import WORKER_APPLICATION_NAME, connections_refused
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples
from localservices.sqs import queue_depth

pytestmark = pytest.mark.django_db(transaction=True)

OUTAGE_SECONDS = float(os.environ.get("HEALTHKIT_FAULT_DB_OUTAGE_SECONDS", "20"))
MAX_RECEIVE_COUNT = 2
SCALED_TIMINGS = {
    "HEALTHKIT_DATABASE_WAIT": "2",
    "HEALTHKIT_SWEEPER_INTERVAL": "1",
    "HEALTHKIT_SWEEPER_SEND_GRACE": "2",
    "HEALTHKIT_SWEEPER_STALE_AFTER": "12",
}


def test_a_database_outage_longer_than_every_receive_ends_in_an_imported_batch_without_a_redrive(
    user,
    postgres_server,
    test_database_name,
    sqs_client,
    sqs_queue_factory,
    worker_env_factory,
    celery_worker_factory,
    chunk_messages_send,
    batch_ended,
):
    queue = sqs_queue_factory(task_time_limit=10, max_receive_count=MAX_RECEIVE_COUNT)
    env = worker_env_factory(
        queue, task_time_limit=10, task_soft_time_limit=8, chunk_max_attempts=MAX_RECEIVE_COUNT, extra=SCALED_TIMINGS
    )
    samples = heart_rate_samples(30)
    batch, chunks = batch_with_chunks_create(user, [samples[:10], samples[10:20], samples[20:]])
    celery_worker_factory(env)

    with connections_refused(postgres_server, test_database_name, application_name=WORKER_APPLICATION_NAME):
        chunk_messages_send(queue, chunks)  # they arrive while the database is down
        time.sleep(OUTAGE_SECONDS)  # the fault's duration: nothing to poll for, the database is down
        dead_lettered = int(queue_depth(sqs_client, queue.dlq_url)["ApproximateNumberOfMessages"])
    batch = batch_ended(batch, timeout=60 + OUTAGE_SECONDS)

    assert dead_lettered > 0  # the outage did outlast every receive the messages had
    assert (batch.status, batch.records_created, batch.chunks_failed) == (BatchStatus.COMPLETED, len(samples), 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert set(AppleHealthImportChunk.objects.filter(batch=batch).values_list("status", flat=True)) == {
        ChunkStatus.SUCCEEDED
    }
