"""A real worker on SQS: a failing chunk's message comes back (Reject + requeue) until the
chunk's last attempt, where the chunk ends `failed`, the message is acked, and the batch says so."""

import pytest
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, BatchStatus, ChunkStatus

from tests.support.celery_messages import task_message_body
from tests.support.imports import batch_with_chunks_create
from tests.support.samples import heart_rate_sample, heart_rate_samples
from tests.support.sqs import queue_depth
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_chunk_failing_every_attempt_ends_failed_and_the_others_complete(
    user, app_env_factory, sqs_queue_factory, celery_worker_factory, sqs_client
):
    queue = sqs_queue_factory(task_time_limit=60)
    env = app_env_factory(queue) | {
        "HEALTHKIT_CHUNK_MAX_ATTEMPTS": "3",
        "CELERY_BROKER_WAIT_TIME_SECONDS": "1",  # a requeued message is visible again after 1 s
    }
    batch, (bad, good) = batch_with_chunks_create(
        user, [[heart_rate_sample(value="NaN-ish")], heart_rate_samples(2)], raw_payloads=True
    )
    for chunk in (bad, good):
        sqs_client.send_message(
            QueueUrl=queue.url, MessageBody=task_message_body("healthkit.import_chunk", [str(chunk.pk)])
        )
    celery_worker_factory(env)

    wait_until(
        lambda: (
            AppleHealthImportBatch.objects.get(pk=batch.pk).status != BatchStatus.QUEUED
            and AppleHealthImportBatch.objects.get(pk=batch.pk).finished_at
        ),
        timeout=40,
        message="the batch to be finalized",
    )
    batch.refresh_from_db()
    bad.refresh_from_db()
    assert (batch.status, batch.chunks_succeeded, batch.chunks_failed) == (BatchStatus.COMPLETED_WITH_ERRORS, 1, 1)
    assert (bad.status, bad.attempts) == (ChunkStatus.FAILED, 3)
    assert AppleHealthImportChunk.objects.get(pk=good.pk).status == ChunkStatus.SUCCEEDED
    wait_until(
        lambda: (
            queue_depth(sqs_client, queue.url)
            == {"ApproximateNumberOfMessages": 0, "ApproximateNumberOfMessagesNotVisible": 0}
        ),
        timeout=10,
        message="both messages acked",
    )
    assert queue_depth(sqs_client, queue.dlq_url)["ApproximateNumberOfMessages"] == 0
