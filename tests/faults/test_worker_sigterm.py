"""SIGTERM (ECS stopping the task, Fargate Spot reclaiming it): the worker stops taking
messages, gives running chunks CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT seconds, then cancels those
still running and hands their messages back, and exits; a restarted worker completes them."""

import signal

import pytest
from healthkit.models import AppleHealthImportChunk, BatchStatus

from tests.support.database_faults import sample_insert_held
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples
from localservices.sqs import queue_depth
from localservices.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

SOFT_SHUTDOWN = 2  # seconds
SOFT_SHUTDOWN_STARTED = "Initiating Soft Shutdown"
#: the queue's VisibilityTimeout is 120 s: a message visible again before that was handed back
TASK_TIME_LIMIT = 60


@pytest.fixture
def one_chunk_queued(user, sqs_queue_factory, worker_env_factory, chunk_messages_send):
    """Given one batch of one 6-sample chunk whose message waits on a fresh queue."""

    def queued():
        queue = sqs_queue_factory(task_time_limit=TASK_TIME_LIMIT)
        env = worker_env_factory(queue, task_time_limit=TASK_TIME_LIMIT, soft_shutdown_timeout=SOFT_SHUTDOWN)
        samples = heart_rate_samples(6)
        batch, (chunk,) = batch_with_chunks_create(user, [samples])
        chunk_messages_send(queue, [chunk])
        return queue, env, samples, batch, chunk

    return queued


def _attempts(chunk) -> int:
    return AppleHealthImportChunk.objects.get(pk=chunk.pk).attempts


def test_a_chunk_still_running_when_the_shutdown_budget_ends_is_handed_back_and_completed_after_a_restart(
    user,
    sqs_client,
    one_chunk_queued,
    celery_worker_factory,
    worker_sessions_blocked,
    batch_ended,
    queue_drained,
):
    queue, env, samples, batch, chunk = one_chunk_queued()

    with sample_insert_held(user, samples[2]):
        worker = celery_worker_factory(env)
        worker_sessions_blocked()
        worker.process.send_signal(signal.SIGTERM)
        worker.process.wait_exit(timeout=60)
    assert SOFT_SHUTDOWN_STARTED in worker.log_text()
    wait_until(
        lambda: queue_depth(sqs_client, queue.url)["ApproximateNumberOfMessages"] == 1,
        timeout=10,
        message="the message handed back (visible long before the queue's VisibilityTimeout)",
    )

    celery_worker_factory(env)
    batch = batch_ended(batch)

    assert (batch.status, batch.records_created, batch.records_duplicate) == (BatchStatus.COMPLETED, 6, 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert _attempts(chunk) == 2
    queue_drained(queue.url)


def test_a_chunk_that_ends_within_the_shutdown_budget_is_imported_and_acked_before_the_worker_exits(
    user,
    one_chunk_queued,
    celery_worker_factory,
    worker_sessions_blocked,
    batch_ended,
    queue_drained,
):
    queue, env, samples, batch, chunk = one_chunk_queued()

    with sample_insert_held(user, samples[2]):
        worker = celery_worker_factory(env)
        worker_sessions_blocked()
        worker.process.send_signal(signal.SIGTERM)
        worker.process.wait_for_log(SOFT_SHUTDOWN_STARTED, timeout=30)
    worker.process.wait_exit(timeout=60)

    batch = batch_ended(batch, timeout=5)
    assert (batch.status, batch.records_created) == (BatchStatus.COMPLETED, 6)
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert _attempts(chunk) == 1
    queue_drained(queue.url, timeout=5)
