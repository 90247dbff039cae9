"""kill -9 of the worker mid-chunk (an OOM kill, a crash, a reclaimed host): nothing is
acked, the message comes back after the queue's VisibilityTimeout and a new worker completes
the batch; the chunk that had already succeeded is not run again. Run twice: with worker
processes of the working tree, and with worker containers of the built image (killed whole)."""

import pytest
from healthkit.models import AppleHealthImportChunk, BatchStatus, ChunkStatus

from tests.support.database_faults import sample_insert_held
from tests.support.image_workers import ImageCeleryWorker
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples
from localservices.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

VISIBILITY_TIMEOUT = 15  # seconds; the hard time limit below it, as the stack requires (roomy: a loaded CI machine)


@pytest.fixture(params=["working tree", "image"])
def worker_start(request, celery_worker_factory, support_log_dir):
    """Start a worker (CeleryWorker's interface) from the working tree or as a container of the image."""
    if request.param == "working tree":
        return celery_worker_factory
    engine = request.getfixturevalue("engine")
    workers: list[ImageCeleryWorker] = []

    def start(env):
        workers.append(ImageCeleryWorker.start(engine, env=env, log_dir=support_log_dir))
        return workers[-1]

    request.addfinalizer(lambda: [worker.kill() for worker in workers])
    return start


def _chunk(chunk) -> AppleHealthImportChunk:
    return AppleHealthImportChunk.objects.get(pk=chunk.pk)


def test_a_chunk_cut_short_by_kill_9_comes_back_after_the_visibility_timeout_and_a_new_worker_completes_the_batch(
    user,
    sqs_queue_factory,
    worker_env_factory,
    worker_start,
    chunk_messages_send,
    worker_sessions_blocked,
    batch_ended,
    queue_drained,
):
    queue = sqs_queue_factory(visibility_timeout=VISIBILITY_TIMEOUT)
    env = worker_env_factory(queue, task_time_limit=VISIBILITY_TIMEOUT - 1, task_soft_time_limit=VISIBILITY_TIMEOUT - 2)
    samples = heart_rate_samples(12)
    batch, (cut_short, other) = batch_with_chunks_create(user, [samples[:6], samples[6:]])

    with sample_insert_held(user, samples[2]):
        first = worker_start(env)
        # the other chunk first: while cut_short is stuck it holds its owner's lock, which the other would wait for
        chunk_messages_send(queue, [other])
        wait_until(lambda: _chunk(other).status == ChunkStatus.SUCCEEDED, timeout=30, message="the other chunk")
        chunk_messages_send(queue, [cut_short])
        worker_sessions_blocked()
        first.kill()
    assert (_chunk(cut_short).status, _chunk(cut_short).attempts) == (ChunkStatus.PROCESSING, 1)

    worker_start(env)
    batch = batch_ended(batch)

    assert (batch.status, batch.records_created, batch.records_duplicate) == (BatchStatus.COMPLETED, 12, 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    assert (_chunk(cut_short).attempts, _chunk(other).attempts) == (2, 1)
    queue_drained(queue.url)
