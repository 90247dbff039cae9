"""Only JSON messages run: a pickle message put on the queue is never deserialized, and after
maxReceiveCount receives SQS moves it to the dead-letter queue."""

import pytest
from healthkit.models import AppleHealthImportChunk, ChunkStatus, HealthSample

from tests.support.celery_messages import FileCreatingPayload, task_message_body
from tests.support.imports import batch_with_chunks_create
from tests.support.samples import heart_rate_samples
from tests.support.sqs import queue_depth
from tests.support.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

TASK = "healthkit.import_chunk"


def test_a_pickle_message_is_never_run_and_a_json_one_is(
    user, tmp_path, app_env_factory, sqs_queue_factory, celery_worker_factory, sqs_client
):
    queue = sqs_queue_factory(task_time_limit=60, visibility_timeout=1, max_receive_count=2)
    _, (pickled_chunk, json_chunk) = batch_with_chunks_create(
        user, [heart_rate_samples(3), heart_rate_samples(2, start=3)]
    )
    marker = tmp_path / "unpickled"
    pickled = task_message_body(
        TASK, [str(pickled_chunk.pk)], kwargs={"proof": FileCreatingPayload(str(marker))}, serializer="pickle"
    )
    sqs_client.send_message(QueueUrl=queue.url, MessageBody=pickled)
    sqs_client.send_message(QueueUrl=queue.url, MessageBody=task_message_body(TASK, [str(json_chunk.pk)]))
    worker = celery_worker_factory(app_env_factory(queue))

    wait_until(
        lambda: AppleHealthImportChunk.objects.get(pk=json_chunk.pk).status == ChunkStatus.SUCCEEDED,
        timeout=30,
        message="the JSON message's chunk to be imported",
    )
    wait_until(
        lambda: queue_depth(sqs_client, queue.dlq_url)["ApproximateNumberOfMessages"] == 1,
        timeout=30,
        message="the pickle message to reach the DLQ",
    )
    assert "Refusing to deserialize untrusted content of type pickle" in worker.log_text()
    assert not marker.exists()
    pickled_chunk.refresh_from_db()
    assert (pickled_chunk.status, pickled_chunk.attempts) == (ChunkStatus.QUEUED, 0)
    assert HealthSample.objects.filter(import_batch=pickled_chunk.batch_id).count() == 2
