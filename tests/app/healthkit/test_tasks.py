"""The chunk task's retry decisions, run in-process (`apply`) against the real database.

A task that hands its message back raises Reject(requeue=True), one that leaves it for the
dead-letter queue Reject(requeue=False): `apply` reports REJECTED for both.
The soft time limit is delivered the way billiard delivers it (SIGUSR1 raising
SoftTimeLimitExceeded in the process), while the task waits on a row lock.
"""

import os
import signal
import threading
from contextlib import contextmanager

import pytest
from celery.exceptions import SoftTimeLimitExceeded
from django.db import connection
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, BatchStatus, ChunkStatus, HealthSample
from healthkit.tasks import import_chunk

from tests.support.database_faults import sample_insert_held
from tests.support.imports import batch_with_chunks_create
from localservices.samples import heart_rate_sample, heart_rate_samples

INVALID_SAMPLE = heart_rate_sample(value="seventy-two")


def _chunk(chunk) -> AppleHealthImportChunk:
    return AppleHealthImportChunk.objects.get(pk=chunk.pk)


def _run(chunk):
    return import_chunk.apply(args=[str(chunk.pk)])


def _requeued(result) -> bool:
    return result.state == "REJECTED" and result.result.requeue is True


def _left_for_dead_letter_queue(result) -> bool:
    """Rejected without requeue: with a redrive policy, kombu leaves the message to SQS."""
    return result.state == "REJECTED" and result.result.requeue is False


@pytest.mark.django_db
def test_running_a_chunks_task_twice_changes_nothing(user):
    batch, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(5)])
    assert _run(chunk).state == "SUCCESS"
    rows = list(HealthSample.objects.order_by("pk").values_list("pk", "fingerprint"))
    counts = AppleHealthImportBatch.objects.values_list("records_created", "records_duplicate", "status").get(
        pk=batch.pk
    )
    assert _run(chunk).state == "SUCCESS"
    assert list(HealthSample.objects.order_by("pk").values_list("pk", "fingerprint")) == rows
    assert (
        AppleHealthImportBatch.objects.values_list("records_created", "records_duplicate", "status").get(pk=batch.pk)
        == counts
    )
    assert _chunk(chunk).attempts == 1


@pytest.mark.django_db
def test_a_failing_chunk_hands_its_message_back_until_its_last_attempt(user, settings):
    settings.HEALTHKIT_CHUNK_MAX_ATTEMPTS = 3
    _, (chunk,) = batch_with_chunks_create(user, [[INVALID_SAMPLE]], raw_payloads=True)
    results = [_run(chunk) for _ in range(2)]
    assert all(_requeued(result) for result in results)
    assert (_chunk(chunk).status, _chunk(chunk).attempts) == (ChunkStatus.QUEUED, 2)
    assert "chunk payload is invalid at sample 0: value" in _chunk(chunk).error


@pytest.mark.django_db
def test_a_chunk_failing_at_its_last_attempt_ends_failed_and_its_message_is_left_for_the_dead_letter_queue(
    user, settings
):
    settings.HEALTHKIT_CHUNK_MAX_ATTEMPTS = 2
    batch, (bad, good) = batch_with_chunks_create(user, [[INVALID_SAMPLE], heart_rate_samples(2)], raw_payloads=True)
    assert _requeued(_run(bad))
    assert _left_for_dead_letter_queue(_run(bad))
    assert _run(good).state == "SUCCESS"
    assert _chunk(bad).status == ChunkStatus.FAILED
    assert _chunk(bad).error.startswith("gave up after 2 attempts: ApplicationError: chunk payload is invalid")
    batch = AppleHealthImportBatch.objects.get(pk=batch.pk)
    assert (batch.status, batch.chunks_failed, batch.chunks_succeeded, batch.records_created) == (
        BatchStatus.COMPLETED_WITH_ERRORS,
        1,
        1,
        2,
    )


@pytest.mark.django_db
def test_a_redelivery_of_a_chunk_that_failed_for_good_is_not_retried_and_goes_on_to_the_dead_letter_queue(
    user, settings
):
    settings.HEALTHKIT_CHUNK_MAX_ATTEMPTS = 1
    _, (chunk,) = batch_with_chunks_create(user, [[INVALID_SAMPLE]], raw_payloads=True)
    _run(chunk)
    assert _left_for_dead_letter_queue(_run(chunk))
    assert (_chunk(chunk).status, _chunk(chunk).attempts) == (ChunkStatus.FAILED, 1)


@contextmanager
def _soft_time_limit_after(seconds: float):
    """Raise SoftTimeLimitExceeded in this (main) thread after `seconds`, like billiard does."""

    def raise_soft_limit(signum, frame):
        raise SoftTimeLimitExceeded("soft time limit exceeded")

    previous = signal.signal(signal.SIGUSR1, raise_soft_limit)
    timer = threading.Timer(seconds, os.kill, (os.getpid(), signal.SIGUSR1))
    timer.start()
    try:
        yield
    finally:
        timer.cancel()
        signal.signal(signal.SIGUSR1, previous)


@pytest.mark.django_db(transaction=True)
def test_the_soft_time_limit_leaves_the_chunk_retryable_and_hands_the_message_back(user):
    samples = heart_rate_samples(3)
    _, (chunk,) = batch_with_chunks_create(user, [samples])
    with sample_insert_held(user, samples[0]), _soft_time_limit_after(0.5):
        result = _run(chunk)
    assert _requeued(result)
    chunk = _chunk(chunk)
    assert (chunk.status, chunk.attempts) == (ChunkStatus.QUEUED, 1)
    assert chunk.error.startswith("SoftTimeLimitExceeded")
    assert HealthSample.objects.count() == 0
    assert _run(chunk).state == "SUCCESS"  # the redelivery completes it
    assert HealthSample.objects.count() == 3


@pytest.mark.django_db(transaction=True)
def test_losing_the_database_connection_leaves_the_chunk_retryable_not_failed(user, settings, postgres_server):
    settings.HEALTHKIT_CHUNK_MAX_ATTEMPTS = 1  # even at the last attempt
    samples = heart_rate_samples(2)
    _, (chunk,) = batch_with_chunks_create(user, [samples])
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        backend_pid = cursor.fetchone()[0]
    terminate = threading.Timer(0.5, postgres_server.execute, (f"SELECT pg_terminate_backend({backend_pid})",))
    with sample_insert_held(user, samples[0]):
        terminate.start()
        result = _run(chunk)
        terminate.join()
    assert _requeued(result)
    assert "OperationalError" in str(result.result)
    chunk = _chunk(chunk)
    assert (chunk.status, chunk.attempts) == (ChunkStatus.QUEUED, 1)
    assert HealthSample.objects.count() == 0


@pytest.mark.django_db
def test_a_message_whose_argument_is_not_a_chunk_id_is_left_for_the_dead_letter_queue(user):
    _, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(1)])
    assert _left_for_dead_letter_queue(import_chunk.apply(args=["../../etc/passwd"]))
    assert _chunk(chunk).attempts == 0


@pytest.mark.django_db
def test_a_message_for_a_chunk_that_no_longer_exists_is_acked(user):
    _, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(1)])
    chunk_id = str(chunk.pk)
    chunk.batch.delete()
    assert import_chunk.apply(args=[chunk_id]).state == "SUCCESS"
