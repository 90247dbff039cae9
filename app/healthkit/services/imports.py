"""Import batches and chunks: create, import a chunk, record a failed attempt, finalize.

A chunk's life: `queued` -> (claim: attempts + 1) `processing` -> `succeeded`, or back to
`queued` after a failed attempt, or `failed` once HEALTHKIT_CHUNK_MAX_ATTEMPTS attempts
failed. The batch is finalized, exactly once, by the transaction that ends its last chunk:
every chunk end takes the batch row lock, so the counters are serialized.
"""

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from math import ceil

from backend.jsonlog import log_context, log_context_bind
from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser
from django.db import IntegrityError, connection, transaction
from django.db.models import F, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from healthkit import errors
from healthkit.chunk_payload import EMPTIED, chunk_contents, chunk_payload
from healthkit.db import lock_timeout, query_cancelled_on_interrupt
from healthkit.errors import ApplicationError
from healthkit.gc_pause import gc_paused
from healthkit.metrics import batch_finalized_record
from healthkit.outbox import chunk_messages_send_on_commit
from healthkit.models import (
    BATCH_OPEN_STATUSES,
    CHUNK_FINAL_STATUSES,
    AppleHealthImportBatch,
    AppleHealthImportChunk,
    BatchStatus,
    ChunkStatus,
)
from healthkit.services.samples import items_apply
from healthkit.sync.bulk import models_insert
from healthkit.sync.plan import Counts
from healthkit.sync.positions import batch_sequence_next
from healthkit.validation import DeletionIn, SampleIn

logger = logging.getLogger(__name__)

#: characters of an error kept on a chunk row
MAX_ERROR_LENGTH = 2000
#: what a chunk's items did, counted on the chunk and its batch (`records_<name>`)
OUTCOMES = ("created", "updated", "duplicate", "stale", "deleted")
OUTCOME_FIELDS = tuple(f"records_{name}" for name in OUTCOMES)
#: milliseconds chunk_release waits for the chunk's row lock before giving up
RELEASE_LOCK_TIMEOUT_MS = 2000


@dataclass(frozen=True, slots=True)
class ChunkImportResult:
    chunk_id: str
    status: str
    records_created: int = 0
    records_duplicate: int = 0
    records_updated: int = 0
    records_stale: int = 0
    records_deleted: int = 0
    skipped: bool = False  # the chunk had already ended (or is gone): nothing was done


def import_batch_create(
    *,
    owner: AbstractBaseUser,
    samples: Sequence[SampleIn | DeletionIn],
    idempotency_key: str | None = None,
    request_fingerprint: str = "",
    chunk_size: int | None = None,
) -> tuple[AppleHealthImportBatch, bool]:
    """Store a batch and its chunks, send one message per chunk at commit (healthkit.outbox); (batch, created).

    `samples` holds the request's samples, then its deletions (their order gives their positions).

    With an idempotency key the owner already used, the first batch is returned instead
    (created False); the unique (owner, idempotency_key) constraint settles races.
    """
    chunk_size = chunk_size or settings.HEALTHKIT_IMPORT_CHUNK_SIZE
    if idempotency_key:
        existing = AppleHealthImportBatch.objects.filter(owner=owner, idempotency_key=idempotency_key).first()
        if existing is not None:
            return existing, False
    try:
        with transaction.atomic():
            batch = _batch_with_chunks_create(
                owner=owner,
                samples=samples,
                idempotency_key=idempotency_key,
                request_fingerprint=request_fingerprint,
                chunk_size=chunk_size,
            )
    except IntegrityError:
        if not idempotency_key:
            raise
        return AppleHealthImportBatch.objects.get(owner=owner, idempotency_key=idempotency_key), False
    logger.info(
        "import batch %s created: %s samples in %s chunks",
        batch.pk,
        batch.records_received,
        batch.chunks_total,
        extra={"batch_id": str(batch.pk)},
    )
    return batch, True


def _batch_with_chunks_create(
    *, owner, samples, idempotency_key, request_fingerprint, chunk_size
) -> AppleHealthImportBatch:
    batch = AppleHealthImportBatch.objects.create(
        owner=owner,
        sequence=batch_sequence_next(),
        idempotency_key=idempotency_key or None,
        request_fingerprint=request_fingerprint,
        chunks_total=ceil(len(samples) / chunk_size),
        records_received=len(samples),
    )
    chunks_append(batch_id=batch.pk, owner_id=owner.pk, items=samples, chunk_size=chunk_size)
    return batch


def chunks_append(
    *, batch_id, owner_id: int, items: Sequence[SampleIn | DeletionIn], chunk_size: int, first_index: int = 0,
    first_offset: int = 0,
) -> list[AppleHealthImportChunk]:
    """Store `items` as chunks (`chunks_create`) and send their messages once the transaction
    commits (healthkit.outbox): the api's batches and the exports' both come here."""
    chunks = chunks_create(
        batch_id=batch_id, owner_id=owner_id, items=items, chunk_size=chunk_size, first_index=first_index,
        first_offset=first_offset,
    )
    chunk_messages_send_on_commit([chunk.id for chunk in chunks])
    return chunks


def batch_seal(*, batch_id, empty_status: str = BatchStatus.COMPLETED) -> None:
    """No more chunks will be appended: finalize the batch now if its chunks have all ended.

    A batch sealed with no chunk at all ends `empty_status` (an export that failed before any sample).
    """
    with transaction.atomic():
        batch = AppleHealthImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.sealed:
            return
        batch.sealed = True
        batch.save(update_fields=("sealed", "updated_at"))
        if batch.chunks_total == 0 and empty_status != BatchStatus.COMPLETED:
            batch.status, batch.finished_at = empty_status, timezone.now()
            batch.save(update_fields=("status", "finished_at", "updated_at"))
        elif batch.chunks_ended == batch.chunks_total:
            batch_finalize(batch_id=batch_id)


def chunks_create(
    *, batch_id, owner_id: int, items: Sequence[SampleIn | DeletionIn], chunk_size: int, first_index: int = 0,
    first_offset: int = 0,
) -> list[AppleHealthImportChunk]:
    """Chunks of `chunk_size` validated items (indexes from `first_index`, positions from
    `first_offset`) of a batch of `owner_id`, stored (healthkit.chunk_payload: normalized, each
    sample's fingerprint for that owner included, with their MAC) but not enqueued.

    The one place a chunk's payload is written.
    """
    chunks = []
    for number, start in enumerate(range(0, len(items), chunk_size)):
        payload = chunk_payload(list(items[start : start + chunk_size]), owner_id=owner_id)
        chunks.append(
            AppleHealthImportChunk(
                batch_id=batch_id,
                index=first_index + number,
                offset=first_offset + start,
                payload=payload.text,
                payload_mac=payload.mac,
                records_received=payload.count,
            )
        )
    if connection.vendor != "postgresql":
        return AppleHealthImportChunk.objects.bulk_create(chunks)
    models_insert(chunks)  # a payload is large: bound on the server, not quoted into the SQL
    return chunks


def chunk_import(*, chunk_id: str) -> ChunkImportResult:
    """Upsert a chunk's samples and end it; a chunk that already ended is left as it is.

    Raises whatever stops the attempt (invalid payload, database errors, time limits); the
    task decides what that means (chunk_failure_record / chunk_release). Its log lines carry
    the chunk and batch ids.
    """
    with log_context(chunk_id=chunk_id):
        return _chunk_import(chunk_id=chunk_id)


def _chunk_import(*, chunk_id: str) -> ChunkImportResult:
    if not _chunk_claim(chunk_id=chunk_id):
        return _skipped(chunk_id)
    with gc_paused(), transaction.atomic(), query_cancelled_on_interrupt():
        chunk = _chunks_locked().get(pk=chunk_id)
        if chunk.status in CHUNK_FINAL_STATUSES:  # another delivery of the same message won
            return _skipped(chunk_id, status=chunk.status)
        items, _ = chunk_contents(chunk.payload, chunk.payload_mac, owner_id=chunk.batch.owner_id)
        counts = items_apply(
            owner_id=chunk.batch.owner_id,
            items=items,
            sequence=chunk.batch.sequence or 0,
            first_index=chunk.offset,
            batch_id=chunk.batch_id,
        )
        _chunk_end(chunk, status=ChunkStatus.SUCCEEDED, counts=counts)
        _batch_chunk_ended(batch_id=chunk.batch_id, succeeded=True, counts=counts)
    return ChunkImportResult(
        chunk_id=chunk_id,
        status=ChunkStatus.SUCCEEDED,
        **{f"records_{name}": getattr(counts, name) for name in OUTCOMES},
    )


def _skipped(chunk_id: str, *, status: str | None = None) -> ChunkImportResult:
    if status is None:
        status = AppleHealthImportChunk.objects.filter(pk=chunk_id).values_list("status", flat=True).first()
    return ChunkImportResult(chunk_id=chunk_id, status=status or "missing", skipped=True)


def _chunks_locked():
    """Chunks row-locked (only the chunk's row: never its batch's), read with their batch."""
    return AppleHealthImportChunk.objects.select_for_update(of=("self",)).select_related("batch").defer("batch__errors")


def _chunk_claim(*, chunk_id: str) -> bool:
    """Count an attempt (committed at once, so crashes count too); False if nothing to do.

    Statements in autocommit, no transaction around them: the UPDATE that counts the attempt is
    atomic on its own (it skips a chunk that ended meanwhile), and the batch's move to
    `processing` (its first chunk's claim) only goes forward, so it may come in a statement of its own.
    """
    now = timezone.now()
    batch_id, batch_status = (
        AppleHealthImportChunk.objects.filter(pk=chunk_id).values_list("batch_id", "batch__status").first() or (None, None)
    )
    if batch_id is None:
        logger.warning("import chunk %s does not exist (deleted?); nothing to do", chunk_id)
        return False
    log_context_bind(batch_id=str(batch_id))
    claimed = (
        AppleHealthImportChunk.objects.filter(pk=chunk_id)
        .exclude(status__in=CHUNK_FINAL_STATUSES)
        .update(
            attempts=F("attempts") + 1,
            status=ChunkStatus.PROCESSING,
            started_at=Coalesce("started_at", Value(now)),
            updated_at=now,
        )
    )
    if not claimed:
        logger.info("import chunk %s already ended; nothing to do", chunk_id)
        return False
    if batch_status == BatchStatus.QUEUED:
        AppleHealthImportBatch.objects.filter(pk=batch_id, status=BatchStatus.QUEUED).update(
            status=BatchStatus.PROCESSING, started_at=now, updated_at=now
        )
    return True


def _chunk_end(chunk: AppleHealthImportChunk, *, status: str, counts: Counts | None = None, error: str = "") -> None:
    counts = counts or Counts()
    chunk.status = status
    for name in OUTCOMES:
        setattr(chunk, f"records_{name}", getattr(counts, name))
    chunk.error = error
    chunk.finished_at = timezone.now()
    fields = ["status", *OUTCOME_FIELDS, "error", "finished_at", "updated_at"]
    if status == ChunkStatus.SUCCEEDED and settings.HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS == 0:
        chunk.payload, chunk.payload_cleared_at = EMPTIED, chunk.finished_at  # the counts stay, the copy goes
        fields += ["payload", "payload_cleared_at"]
    chunk.save(update_fields=fields)


def _batch_chunk_ended(*, batch_id, succeeded: bool, counts: Counts | None = None) -> None:
    """Count one ended chunk under the batch row lock; the last one finalizes the batch."""
    batch = AppleHealthImportBatch.objects.select_for_update().get(pk=batch_id)
    if succeeded:
        batch.chunks_succeeded += 1
        for name in OUTCOMES:
            setattr(batch, f"records_{name}", getattr(batch, f"records_{name}") + getattr(counts, name))
    else:
        batch.chunks_failed += 1
    batch.save(update_fields=("chunks_succeeded", "chunks_failed", *OUTCOME_FIELDS, "updated_at"))
    if batch.sealed and batch.chunks_ended == batch.chunks_total:  # an export still reading appends more
        batch_finalize(batch_id=batch_id)


def _final_status(batch: AppleHealthImportBatch) -> str:
    if batch.chunks_failed == 0:
        return BatchStatus.COMPLETED
    if batch.chunks_succeeded == 0:
        return BatchStatus.FAILED
    return BatchStatus.COMPLETED_WITH_ERRORS


def batch_finalize(*, batch_id) -> AppleHealthImportBatch:
    """Give a batch whose chunks have all ended its final status; only once (else ApplicationError)."""
    with transaction.atomic():
        batch = AppleHealthImportBatch.objects.select_for_update().get(pk=batch_id)
        if batch.status not in BATCH_OPEN_STATUSES:
            raise ApplicationError(errors.BATCH_ALREADY_FINAL.format(batch_id=batch_id, status=batch.status))
        if batch.chunks_ended < batch.chunks_total or not batch.sealed:
            raise ApplicationError(
                errors.BATCH_NOT_COMPLETE.format(batch_id=batch_id, ended=batch.chunks_ended, total=batch.chunks_total)
            )
        batch.status = _final_status(batch)
        batch.finished_at = timezone.now()
        batch.errors = [
            {"chunk": index, "attempts": attempts, "message": error}
            for index, attempts, error in batch.chunks.filter(status=ChunkStatus.FAILED)
            .order_by("index")
            .values_list("index", "attempts", "error")
        ]
        batch.save(update_fields=("status", "finished_at", "errors", "updated_at"))
        transaction.on_commit(partial(batch_finalized_record, batch))
    logger.info("import batch %s finalized: %s", batch_id, batch.status, extra={"batch_id": str(batch_id)})
    return batch


def chunk_failure_record(*, chunk_id: str, error: str, max_attempts: int | None = None) -> str:
    """After a failed attempt: `failed` (and counted on the batch) at the last attempt, else `queued`.

    Returns the chunk's status afterwards; a chunk that already ended is left as it is.
    """
    max_attempts = max_attempts or settings.HEALTHKIT_CHUNK_MAX_ATTEMPTS
    error = error[:MAX_ERROR_LENGTH]
    with transaction.atomic():
        chunk = AppleHealthImportChunk.objects.select_for_update().filter(pk=chunk_id).first()
        if chunk is None or chunk.status in CHUNK_FINAL_STATUSES:
            return chunk.status if chunk else "missing"
        if chunk.attempts < max_attempts:
            chunk.status = ChunkStatus.QUEUED
            chunk.error = error
            chunk.save(update_fields=("status", "error", "updated_at"))
            return chunk.status
        final_error = errors.CHUNK_ATTEMPTS_EXHAUSTED.format(attempts=chunk.attempts, error=error)
        _chunk_end(chunk, status=ChunkStatus.FAILED, error=final_error[:MAX_ERROR_LENGTH])
        _batch_chunk_ended(batch_id=chunk.batch_id, succeeded=False)
    logger.error("import chunk %s failed after %s attempts: %s", chunk_id, chunk.attempts, error)
    return ChunkStatus.FAILED


def chunk_release(*, chunk_id: str, error: str) -> bool:
    """Make a chunk whose attempt was cut short (time limit, database) retryable again.

    Best effort: it waits at most RELEASE_LOCK_TIMEOUT_MS for the chunk's row, and a chunk
    left `processing` is retried all the same.
    """
    with lock_timeout(RELEASE_LOCK_TIMEOUT_MS):
        updated = AppleHealthImportChunk.objects.filter(pk=chunk_id, status=ChunkStatus.PROCESSING).update(
            status=ChunkStatus.QUEUED, error=error[:MAX_ERROR_LENGTH], updated_at=timezone.now()
        )
    return bool(updated)
