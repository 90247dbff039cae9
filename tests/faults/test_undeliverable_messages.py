"""Messages no worker may run: a pickle message (only JSON is accepted: unpickling is code
execution) and a message for a task this worker does not have. Neither is ever run nor
deleted by the worker; after maxReceiveCount receives SQS moves them to the dead-letter
queue, while good messages beside them are imported."""

import pytest
from healthkit.models import AppleHealthImportChunk, ChunkStatus

from localservices.celery_messages import IMPORT_CHUNK_TASK, FileCreatingPayload, chunk_message_body, task_message_body
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples
from localservices.sqs import queue_depth
from localservices.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

UNKNOWN_TASK = "healthkit.delete_everything"


def _in_dead_letter_queue(sqs_client, queue, count: int = 1) -> None:
    wait_until(
        lambda: queue_depth(sqs_client, queue.dlq_url)["ApproximateNumberOfMessages"] == count,
        timeout=30,
        message="the refused message in the dead-letter queue",
    )


def _status(chunk) -> tuple[str, int]:
    return AppleHealthImportChunk.objects.values_list("status", "attempts").get(pk=chunk.pk)


def test_a_pickle_message_is_never_run_and_ends_in_the_dead_letter_queue(
    user, tmp_path, app_env_factory, sqs_queue_factory, celery_worker_factory, sqs_client
):
    queue = sqs_queue_factory(task_time_limit=60, visibility_timeout=1, max_receive_count=2)
    _, (pickled_chunk, json_chunk) = batch_with_chunks_create(
        user, [heart_rate_samples(3), heart_rate_samples(2, start=3)]
    )
    marker = tmp_path / "unpickled"
    pickled = task_message_body(
        IMPORT_CHUNK_TASK,
        [str(pickled_chunk.pk)],
        kwargs={"proof": FileCreatingPayload(str(marker))},
        serializer="pickle",
    )
    sqs_client.send_message(QueueUrl=queue.url, MessageBody=pickled)
    sqs_client.send_message(QueueUrl=queue.url, MessageBody=chunk_message_body(json_chunk.pk))
    worker = celery_worker_factory(app_env_factory(queue))

    wait_until(lambda: _status(json_chunk)[0] == ChunkStatus.SUCCEEDED, timeout=30, message="the JSON chunk")
    _in_dead_letter_queue(sqs_client, queue)

    assert "Refusing to deserialize untrusted content of type pickle" in worker.log_text()
    assert not marker.exists()
    assert _status(pickled_chunk) == (ChunkStatus.QUEUED, 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, heart_rate_samples(2, start=3))


def test_a_message_for_an_unknown_task_is_never_run_and_ends_in_the_dead_letter_queue(
    user, app_env_factory, sqs_queue_factory, celery_worker_factory, sqs_client
):
    queue = sqs_queue_factory(task_time_limit=60, visibility_timeout=1, max_receive_count=2)
    _, (unknown_chunk, json_chunk) = batch_with_chunks_create(
        user, [heart_rate_samples(3), heart_rate_samples(2, start=3)]
    )
    sqs_client.send_message(QueueUrl=queue.url, MessageBody=task_message_body(UNKNOWN_TASK, [str(unknown_chunk.pk)]))
    sqs_client.send_message(QueueUrl=queue.url, MessageBody=chunk_message_body(json_chunk.pk))
    worker = celery_worker_factory(app_env_factory(queue))

    wait_until(lambda: _status(json_chunk)[0] == ChunkStatus.SUCCEEDED, timeout=30, message="the JSON chunk")
    _in_dead_letter_queue(sqs_client, queue)

    assert f"Received unregistered task of type '{UNKNOWN_TASK}'" in worker.log_text()
    assert _status(unknown_chunk) == (ChunkStatus.QUEUED, 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, heart_rate_samples(2, start=3))
