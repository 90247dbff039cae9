import gc

import pytest
from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, BatchStatus, ChunkStatus, HealthSample
from healthkit.services.imports import (
    batch_finalize,
    chunk_failure_record,
    chunk_import,
    chunk_release,
    import_batch_create,
)

from tests.support.imports import batch_with_chunks_create, run_concurrently
from localservices.samples import heart_rate_sample, heart_rate_samples
from tests.support.samples import parsed_samples


def _batch(batch) -> AppleHealthImportBatch:
    return AppleHealthImportBatch.objects.get(pk=batch.pk)


def _chunk(chunk) -> AppleHealthImportChunk:
    return AppleHealthImportChunk.objects.get(pk=chunk.pk)


# --- import_batch_create ---


@pytest.mark.django_db
def test_a_batch_is_split_into_chunks_of_the_chunk_size(user, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        batch, created = import_batch_create(owner=user, samples=parsed_samples(heart_rate_samples(5)), chunk_size=2)
    assert created
    assert [chunk.records_received for chunk in batch.chunks.order_by("index")] == [2, 2, 1]
    assert (batch.chunks_total, batch.records_received, batch.status) == (3, 5, BatchStatus.QUEUED)


@pytest.mark.django_db
def test_one_message_per_chunk_is_sent_and_recorded_when_the_transaction_commits(
    user, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        batch, _ = import_batch_create(owner=user, samples=parsed_samples(heart_rate_samples(5)), chunk_size=2)
    assert batch.chunks.filter(enqueued_at=None, enqueues=0).count() == 3  # nothing is sent before the commit
    for callback in callbacks:
        callback()  # dev's eager mode: each message runs its task in-process
    chunks = batch.chunks.order_by("index")
    assert [(chunk.enqueues, chunk.enqueued_at is not None) for chunk in chunks] == [(1, True)] * 3
    assert {chunk.status for chunk in chunks} == {ChunkStatus.SUCCEEDED}


@pytest.mark.django_db
def test_the_same_idempotency_key_returns_the_first_batch(user, django_capture_on_commit_callbacks):
    samples = parsed_samples(heart_rate_samples(3))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        first, first_created = import_batch_create(owner=user, samples=samples, idempotency_key="sync-1")
        again, again_created = import_batch_create(owner=user, samples=samples, idempotency_key="sync-1")
    assert (first_created, again_created) == (True, False)
    assert again.pk == first.pk
    assert AppleHealthImportBatch.objects.count() == 1
    assert len(callbacks) == 1


@pytest.mark.django_db
def test_the_same_idempotency_key_of_another_user_makes_another_batch(user_factory, django_capture_on_commit_callbacks):
    samples = parsed_samples(heart_rate_samples(1))
    with django_capture_on_commit_callbacks(execute=False):
        first, _ = import_batch_create(owner=user_factory(), samples=samples, idempotency_key="sync-1")
        other, created = import_batch_create(owner=user_factory(), samples=samples, idempotency_key="sync-1")
    assert created
    assert other.pk != first.pk


@pytest.mark.django_db(transaction=True)
def test_two_requests_racing_with_one_idempotency_key_make_one_batch(user):
    samples = parsed_samples(heart_rate_samples(2))

    def create():
        return import_batch_create(owner=user, samples=samples, idempotency_key="race")

    outcomes = run_concurrently(create, create)
    assert [exc for _, exc in outcomes] == [None, None]
    (first, first_created), (second, second_created) = (result for result, _ in outcomes)
    assert first.pk == second.pk
    assert sorted([first_created, second_created]) == [False, True]
    assert AppleHealthImportBatch.objects.count() == 1


# --- chunk_import ---


@pytest.mark.django_db
def test_a_chunk_import_stores_its_samples_and_counts_them(user):
    batch, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(3)])
    result = chunk_import(chunk_id=str(chunk.pk))
    assert (result.status, result.records_created, result.records_duplicate) == (ChunkStatus.SUCCEEDED, 3, 0)
    chunk = _chunk(chunk)
    assert (chunk.status, chunk.attempts, chunk.records_created, chunk.error) == (ChunkStatus.SUCCEEDED, 1, 3, "")
    assert HealthSample.objects.filter(owner=user, import_batch=batch).count() == 3


@pytest.mark.django_db
def test_importing_a_chunk_twice_changes_nothing(user):
    batch, (chunk, _) = batch_with_chunks_create(user, [heart_rate_samples(3), heart_rate_samples(2, start=3)])
    chunk_import(chunk_id=str(chunk.pk))
    before = (_batch(batch).records_created, _chunk(chunk).attempts, HealthSample.objects.count())
    again = chunk_import(chunk_id=str(chunk.pk))
    assert again.skipped
    assert (_batch(batch).records_created, _chunk(chunk).attempts, HealthSample.objects.count()) == before


@pytest.mark.django_db
def test_samples_already_stored_are_counted_as_duplicates(user):
    _, (first,) = batch_with_chunks_create(user, [heart_rate_samples(3)])
    batch, (second,) = batch_with_chunks_create(user, [heart_rate_samples(4)])
    chunk_import(chunk_id=str(first.pk))
    result = chunk_import(chunk_id=str(second.pk))
    assert (result.records_created, result.records_duplicate) == (1, 3)
    assert HealthSample.objects.count() == 4
    batch = _batch(batch)
    assert (batch.records_created, batch.records_duplicate, batch.status) == (1, 3, BatchStatus.COMPLETED)


@pytest.mark.django_db
def test_the_same_instant_with_another_offset_in_one_chunk_is_stored_once(user):
    utc = heart_rate_sample(start="2024-03-10T09:30:00Z", end="2024-03-10T09:30:00Z")
    paris = heart_rate_sample(start="2024-03-10T10:30:00+01:00", end="2024-03-10T10:30:00+01:00")
    _, (chunk,) = batch_with_chunks_create(user, [[utc, paris]])
    result = chunk_import(chunk_id=str(chunk.pk))
    assert (result.records_created, result.records_duplicate) == (1, 1)


@pytest.mark.django_db
def test_another_users_identical_samples_are_not_duplicates(user_factory):
    _, (chunk_a,) = batch_with_chunks_create(user_factory(), [heart_rate_samples(2)])
    _, (chunk_b,) = batch_with_chunks_create(user_factory(), [heart_rate_samples(2)])
    chunk_import(chunk_id=str(chunk_a.pk))
    assert chunk_import(chunk_id=str(chunk_b.pk)).records_created == 2


@pytest.mark.django_db
def test_the_first_chunk_to_start_moves_the_batch_to_processing(user):
    batch, (chunk, _) = batch_with_chunks_create(user, [heart_rate_samples(1), heart_rate_samples(1, start=1)])
    chunk_import(chunk_id=str(chunk.pk))
    batch = _batch(batch)
    assert batch.status == BatchStatus.PROCESSING
    assert batch.started_at is not None
    assert batch.finished_at is None


@pytest.mark.django_db
def test_the_last_chunk_to_end_completes_the_batch(user):
    batch, chunks = batch_with_chunks_create(user, [heart_rate_samples(2), heart_rate_samples(2, start=2)])
    for chunk in chunks:
        chunk_import(chunk_id=str(chunk.pk))
    batch = _batch(batch)
    assert (batch.status, batch.chunks_succeeded, batch.records_created, batch.progress) == (
        BatchStatus.COMPLETED,
        2,
        4,
        1.0,
    )
    assert batch.finished_at is not None
    assert gc.isenabled()


@pytest.mark.django_db
def test_an_invalid_payload_raises_and_writes_nothing(user):
    bad = heart_rate_sample(end="2024-03-10T09:00:00Z")  # before its start
    _, (chunk,) = batch_with_chunks_create(user, [[heart_rate_sample(1), bad]], raw_payloads=True)
    with pytest.raises(ApplicationError, match="chunk payload is invalid at sample 1: end"):
        chunk_import(chunk_id=str(chunk.pk))
    assert HealthSample.objects.count() == 0
    assert _chunk(chunk).attempts == 1
    assert gc.isenabled()  # paused while the chunk was applied (healthkit.gc_pause), on again after the error


@pytest.mark.django_db
def test_a_missing_chunk_is_skipped():
    result = chunk_import(chunk_id="00000000-0000-0000-0000-000000000000")
    assert result.skipped
    assert result.status == "missing"


@pytest.mark.django_db(transaction=True)
def test_chunks_ending_at_the_same_time_finalize_their_batch_once(user):
    batches = []
    for round_ in range(4):
        batch, chunks = batch_with_chunks_create(
            user, [heart_rate_samples(50, start=round_ * 100), heart_rate_samples(50, start=round_ * 100 + 50)]
        )
        outcomes = run_concurrently(*(lambda chunk=chunk: chunk_import(chunk_id=str(chunk.pk)) for chunk in chunks))
        assert [exc for _, exc in outcomes] == [None, None]
        batches.append(_batch(batch))
    assert {(b.status, b.chunks_succeeded, b.records_created) for b in batches} == {(BatchStatus.COMPLETED, 2, 100)}


@pytest.mark.django_db(transaction=True)
def test_two_chunks_with_the_same_samples_at_the_same_time_store_them_once(user):
    batch, chunks = batch_with_chunks_create(user, [heart_rate_samples(200), heart_rate_samples(200)])
    outcomes = run_concurrently(*(lambda chunk=chunk: chunk_import(chunk_id=str(chunk.pk)) for chunk in chunks))
    assert [exc for _, exc in outcomes] == [None, None]
    batch = _batch(batch)
    assert (batch.records_created, batch.records_duplicate, batch.status) == (200, 200, BatchStatus.COMPLETED)
    assert HealthSample.objects.count() == 200


# --- batch_finalize ---


def _ended_batch(user, *, succeeded: int, failed: int) -> AppleHealthImportBatch:
    return AppleHealthImportBatch.objects.create(
        owner=user,
        status=BatchStatus.PROCESSING,
        chunks_total=succeeded + failed,
        chunks_succeeded=succeeded,
        chunks_failed=failed,
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("succeeded", "failed", "status"),
    [(2, 0, BatchStatus.COMPLETED), (1, 1, BatchStatus.COMPLETED_WITH_ERRORS), (0, 2, BatchStatus.FAILED)],
)
def test_the_final_status_follows_the_chunk_outcomes(user, succeeded, failed, status):
    batch = _ended_batch(user, succeeded=succeeded, failed=failed)
    assert batch_finalize(batch_id=batch.pk).status == status


@pytest.mark.django_db
def test_a_batch_is_finalized_only_once(user):
    batch = _ended_batch(user, succeeded=1, failed=0)
    batch_finalize(batch_id=batch.pk)
    with pytest.raises(ApplicationError) as caught:
        batch_finalize(batch_id=batch.pk)
    assert caught.value.message == errors.BATCH_ALREADY_FINAL.format(batch_id=batch.pk, status="completed")


@pytest.mark.django_db
def test_a_batch_with_running_chunks_cannot_be_finalized(user):
    batch = AppleHealthImportBatch.objects.create(
        owner=user, status=BatchStatus.PROCESSING, chunks_total=2, chunks_succeeded=1
    )
    with pytest.raises(ApplicationError) as caught:
        batch_finalize(batch_id=batch.pk)
    assert caught.value.message == errors.BATCH_NOT_COMPLETE.format(batch_id=batch.pk, ended=1, total=2)


@pytest.mark.django_db(transaction=True)
def test_two_finalizations_racing_let_exactly_one_through(user):
    batch = _ended_batch(user, succeeded=2, failed=0)
    outcomes = run_concurrently(lambda: batch_finalize(batch_id=batch.pk), lambda: batch_finalize(batch_id=batch.pk))
    failures = [exc for _, exc in outcomes if exc is not None]
    assert len(failures) == 1
    assert isinstance(failures[0], ApplicationError)
    assert _batch(batch).status == BatchStatus.COMPLETED


# --- chunk_failure_record / chunk_release ---


@pytest.mark.django_db
def test_a_failed_attempt_before_the_last_leaves_the_chunk_queued_with_its_error(user):
    batch, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(1)])
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(attempts=2, status=ChunkStatus.PROCESSING)
    status = chunk_failure_record(chunk_id=str(chunk.pk), error="boom", max_attempts=3)
    chunk = _chunk(chunk)
    assert (status, chunk.status, chunk.error) == (ChunkStatus.QUEUED, ChunkStatus.QUEUED, "boom")
    assert _batch(batch).chunks_failed == 0


@pytest.mark.django_db
def test_a_failed_last_attempt_fails_the_chunk_and_counts_it_on_the_batch(user):
    batch, (bad, good) = batch_with_chunks_create(user, [heart_rate_samples(1), heart_rate_samples(1, start=1)])
    chunk_import(chunk_id=str(good.pk))
    AppleHealthImportChunk.objects.filter(pk=bad.pk).update(attempts=3, status=ChunkStatus.PROCESSING)
    status = chunk_failure_record(chunk_id=str(bad.pk), error="boom", max_attempts=3)
    assert status == ChunkStatus.FAILED
    assert _chunk(bad).error == errors.CHUNK_ATTEMPTS_EXHAUSTED.format(attempts=3, error="boom")
    batch = _batch(batch)
    assert (batch.status, batch.chunks_failed, batch.chunks_succeeded) == (BatchStatus.COMPLETED_WITH_ERRORS, 1, 1)
    assert batch.errors == [{"chunk": 0, "attempts": 3, "message": _chunk(bad).error}]


@pytest.mark.django_db
def test_a_batch_whose_chunks_all_failed_is_failed(user):
    batch, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(1)])
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(attempts=5, status=ChunkStatus.PROCESSING)
    chunk_failure_record(chunk_id=str(chunk.pk), error="boom", max_attempts=5)
    assert _batch(batch).status == BatchStatus.FAILED


@pytest.mark.django_db
def test_a_failure_reported_for_a_chunk_that_already_succeeded_changes_nothing(user):
    batch, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(1)])
    chunk_import(chunk_id=str(chunk.pk))
    assert chunk_failure_record(chunk_id=str(chunk.pk), error="late", max_attempts=1) == ChunkStatus.SUCCEEDED
    assert _batch(batch).status == BatchStatus.COMPLETED


@pytest.mark.django_db
def test_a_released_chunk_is_queued_again(user):
    _, (chunk,) = batch_with_chunks_create(user, [heart_rate_samples(1)])
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(attempts=1, status=ChunkStatus.PROCESSING)
    assert chunk_release(chunk_id=str(chunk.pk), error="SoftTimeLimitExceeded")
    assert (_chunk(chunk).status, _chunk(chunk).error) == (ChunkStatus.QUEUED, "SoftTimeLimitExceeded")
