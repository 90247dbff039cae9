"""A poison chunk (data the database refuses on every attempt): after
HEALTHKIT_CHUNK_MAX_ATTEMPTS attempts (= maxReceiveCount receives) the chunk ends `failed`,
the batch ends `completed_with_errors` with its other chunks imported, and the message,
never acked, lands in the dead-letter queue on the next receive."""

import pytest
from healthkit.models import AppleHealthImportChunk, BatchStatus, ChunkStatus

from localservices.celery_messages import IMPORT_CHUNK_TASK, task_message_decode
from tests.support.database_faults import POISON_ERROR, sample_rows_refused
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_sample, heart_rate_samples
from localservices.sqs import queue_depth
from localservices.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

MAX_RECEIVE_COUNT = 3
VISIBILITY_TIMEOUT = 4  # seconds: how long the failed chunk's message stays hidden before SQS moves it
POISON_SOURCE = "poison-source"


@pytest.fixture
def poison_refused(postgres_server, test_database_name):
    with sample_rows_refused(postgres_server, test_database_name, source_name=POISON_SOURCE):
        yield


def test_a_poison_chunk_ends_failed_the_batch_completes_with_errors_and_its_message_lands_in_the_dead_letter_queue(
    user,
    poison_refused,
    sqs_client,
    sqs_queue_factory,
    worker_env_factory,
    celery_worker_factory,
    chunk_messages_send,
    batch_ended,
    queue_drained,
):
    queue = sqs_queue_factory(visibility_timeout=VISIBILITY_TIMEOUT, max_receive_count=MAX_RECEIVE_COUNT)
    # HEALTHKIT_CHUNK_MAX_ATTEMPTS = the queue's maxReceiveCount, as every stack sets it
    env = worker_env_factory(queue, task_time_limit=VISIBILITY_TIMEOUT - 1, task_soft_time_limit=VISIBILITY_TIMEOUT - 2)
    good_samples = heart_rate_samples(5)
    poison_samples = [*heart_rate_samples(3, start=5), heart_rate_sample(8, source_name=POISON_SOURCE)]
    batch, (good, poison) = batch_with_chunks_create(user, [good_samples, poison_samples])
    chunk_messages_send(queue, [good, poison])
    celery_worker_factory(env)

    batch = batch_ended(batch)
    wait_until(
        lambda: queue_depth(sqs_client, queue.dlq_url)["ApproximateNumberOfMessages"] == 1,
        timeout=30,
        message="the poison chunk's message in the dead-letter queue",
    )

    assert (batch.status, batch.chunks_succeeded, batch.chunks_failed, batch.records_created) == (
        BatchStatus.COMPLETED_WITH_ERRORS,
        1,
        1,
        5,
    )
    poison = AppleHealthImportChunk.objects.get(pk=poison.pk)
    assert (poison.status, poison.attempts) == (ChunkStatus.FAILED, MAX_RECEIVE_COUNT)
    assert POISON_ERROR in poison.error
    assert stored_fingerprints(user) == expected_fingerprints(user, good_samples)
    (dead,) = sqs_client.receive_message(QueueUrl=queue.dlq_url, MaxNumberOfMessages=10)["Messages"]
    assert task_message_decode(dead["Body"]) == (IMPORT_CHUNK_TASK, [str(poison.pk)])
    queue_drained(queue.url)
