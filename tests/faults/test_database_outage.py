"""The database unavailable for a while during a chunk (a failover, a restart): the attempt's
session is cut and new connections are refused; the chunk is never marked failed for it, its
message comes back until the database answers again, and then the chunk completes."""

import pytest
from healthkit.models import AppleHealthImportChunk, BatchStatus

from tests.support.database_faults import WORKER_APPLICATION_NAME, connections_refused, sample_insert_held
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples

pytestmark = pytest.mark.django_db(transaction=True)

#: receives that may happen while the database is down, with room to spare
MAX_RECEIVE_COUNT = 10
RELEASE_FAILED = "not released: OperationalError"


def test_a_chunk_cut_by_a_database_outage_is_retried_and_completes_once_the_database_is_back(
    user,
    postgres_server,
    test_database_name,
    sqs_queue_factory,
    worker_env_factory,
    celery_worker_factory,
    chunk_messages_send,
    worker_sessions_blocked,
    batch_ended,
    queue_drained,
):
    queue = sqs_queue_factory(task_time_limit=60, max_receive_count=MAX_RECEIVE_COUNT)
    env = worker_env_factory(queue)
    samples = heart_rate_samples(6)
    batch, (chunk,) = batch_with_chunks_create(user, [samples])
    chunk_messages_send(queue, [chunk])

    with sample_insert_held(user, samples[2]):
        worker = celery_worker_factory(env)
        worker_sessions_blocked()
        with connections_refused(postgres_server, test_database_name, application_name=WORKER_APPLICATION_NAME):
            # the attempt lost its session, and could not even mark the chunk: the database refused it
            worker.process.wait_for_log(RELEASE_FAILED, timeout=30)
    batch = batch_ended(batch)

    assert (batch.status, batch.records_created, batch.chunks_failed) == (BatchStatus.COMPLETED, 6, 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert AppleHealthImportChunk.objects.get(pk=chunk.pk).attempts == 2
    queue_drained(queue.url)
