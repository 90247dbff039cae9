"""Celery tasks: thin interfaces that take ids, call a service and decide what happens to the message.

`healthkit.import_chunk` (one argument: the chunk id as a string). After each attempt:

- the chunk succeeded, or had already succeeded (a redelivery): the message is acked;
- the attempt lost the database: the task waits for it (HEALTHKIT_DATABASE_WAIT seconds at
  most, holding the message: no receive is burned) and attempts the chunk again;
- the attempt failed before the chunk's last attempt, or was cut short (soft time limit, the
  database still down after the wait): `Reject(requeue=True)`, kombu makes the message
  visible again after `wait_time_seconds` and SQS counts one more receive;
- the last attempt failed (the chunk ends `failed` and its batch is finalized), or the chunk
  had already failed (a redelivery), or the argument is not a chunk id: `Reject(requeue=False)`.
  With the queue's redrive policy kombu leaves such a message alone, so SQS delivers it
  again after the queue's VisibilityTimeout and, past maxReceiveCount receives, moves it to
  the dead-letter queue: a chunk that failed for good always leaves its message there.

Every attempt writes its metrics (healthkit.metrics) and logs with its chunk id.
docs/app.md ("Task failure semantics") has the details.
"""

import logging
import time
import uuid

from backend.jsonlog import log_context
from celery import shared_task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from healthkit.db import database_reachable, database_wait
from healthkit.enqueue import IMPORT_CHUNK_TASK
from healthkit.metrics import ChunkOutcome, chunk_attempt_record
from healthkit.models import ChunkStatus
from healthkit.services.imports import chunk_failure_record, chunk_import, chunk_release

logger = logging.getLogger(__name__)

#: the database is unreachable or the session was lost (down, failover, deadlock)
DATABASE_LOST = (OperationalError, InterfaceError)
#: times one delivery retries its chunk after waiting for the database to come back
DATABASE_RETRIES_PER_DELIVERY = 3

NOT_A_CHUNK_ID = "import chunk task got {argument!r}, not a chunk id: message left for the dead-letter queue"
CHUNK_FAILED_FOR_GOOD = "import chunk {chunk_id} has failed for good: message left for the dead-letter queue"

#: what happens to the message after an attempt: None = ack, else the Reject to raise
Decision = tuple[ChunkOutcome, Reject | None]


def error_describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def _reject(reason: str, *, requeue: bool, cause: BaseException | None = None) -> Reject:
    reject = Reject(reason, requeue=requeue)
    reject.__cause__ = cause
    return reject


def _connection_reset_if_broken() -> None:
    """After a database error, drop a broken connection so the next query reconnects."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _release(chunk_id: str, exc: BaseException) -> None:
    """Leave the chunk retryable (best effort: a chunk left `processing` is retryable too)."""
    try:
        _connection_reset_if_broken()
        chunk_release(chunk_id=chunk_id, error=error_describe(exc))
    except DatabaseError as release_exc:  # still down: the claim accepts `processing` too
        logger.warning("import chunk %s not released: %s", chunk_id, error_describe(release_exc))


def _requeue(exc: BaseException) -> Decision:
    return ChunkOutcome.RETRIED, _reject(error_describe(exc), requeue=True, cause=exc)


def _retry_later(chunk_id: str, exc: BaseException) -> Decision:
    """Leave the chunk retryable and hand the message back to the queue."""
    logger.warning("import chunk %s will be retried: %s", chunk_id, error_describe(exc))
    _release(chunk_id, exc)
    return _requeue(exc)


def _attempt_failed(chunk_id: str, failure: Exception) -> Decision:
    """Count a failed attempt: hand the message back, or (last attempt) leave it for the DLQ."""
    try:
        status = chunk_failure_record(chunk_id=chunk_id, error=error_describe(failure))
    except SoftTimeLimitExceeded as exc:
        return _retry_later(chunk_id, exc)
    if status == ChunkStatus.QUEUED:
        logger.warning("import chunk %s attempt failed, will retry: %s", chunk_id, error_describe(failure))
        return ChunkOutcome.RETRIED, _reject(error_describe(failure), requeue=True, cause=failure)
    if status == ChunkStatus.FAILED:
        return ChunkOutcome.FAILED, _reject(error_describe(failure), requeue=False, cause=failure)
    return ChunkOutcome.SKIPPED, None  # another delivery ended it meanwhile, or it is gone


def _chunk_attempt(chunk_id: str) -> Decision:
    """One attempt; DATABASE_LOST propagates (see _attempts_while_the_database_returns)."""
    try:
        result = chunk_import(chunk_id=chunk_id)
    except SoftTimeLimitExceeded as exc:
        return _retry_later(chunk_id, exc)
    except DATABASE_LOST:
        raise
    except Exception as exc:  # the chunk's own failure: counts toward its attempts
        return _attempt_failed(chunk_id, exc)
    if result.status == ChunkStatus.FAILED:  # a redelivery of a chunk that failed for good
        logger.warning(CHUNK_FAILED_FOR_GOOD.format(chunk_id=chunk_id))
        return ChunkOutcome.SKIPPED, _reject(CHUNK_FAILED_FOR_GOOD.format(chunk_id=chunk_id), requeue=False)
    return (ChunkOutcome.SKIPPED if result.skipped else ChunkOutcome.SUCCEEDED), None


def _attempts_while_the_database_returns(chunk_id: str) -> Decision:
    """Attempt the chunk; when the database is lost, wait for it holding the message, then again.

    Waiting (up to HEALTHKIT_DATABASE_WAIT seconds a delivery) keeps the message invisible
    and takes no other: an outage burns no SQS receive until the wait is over. A database
    that still answers (a deadlock, a killed session) hands the message back at once.
    """
    deadline = time.monotonic() + settings.HEALTHKIT_DATABASE_WAIT
    lost: BaseException | None = None
    try:
        for _ in range(DATABASE_RETRIES_PER_DELIVERY + 1):
            try:
                return _chunk_attempt(chunk_id)
            except DATABASE_LOST as exc:
                lost = exc
                logger.warning("import chunk %s lost the database: %s", chunk_id, error_describe(exc))
                _release(chunk_id, exc)
                if database_reachable() or not database_wait(deadline=deadline):
                    break
                logger.info("the database answers again: import chunk %s is attempted again", chunk_id)
    except SoftTimeLimitExceeded as exc:  # while waiting
        return _retry_later(chunk_id, exc)
    logger.warning("import chunk %s will be retried: %s", chunk_id, error_describe(lost))
    return _requeue(lost)


def _is_chunk_id(argument: object) -> bool:
    try:
        uuid.UUID(str(argument))
    except ValueError:
        return False
    return True


@shared_task(name=IMPORT_CHUNK_TASK)
def import_chunk(chunk_id: str) -> None:
    """Import one chunk (see healthkit.services.imports.chunk_import) and settle its message."""
    if not _is_chunk_id(chunk_id):
        logger.error(NOT_A_CHUNK_ID.format(argument=chunk_id))
        raise Reject(NOT_A_CHUNK_ID.format(argument=chunk_id), requeue=False)
    with log_context(chunk_id=chunk_id):
        started = time.perf_counter()
        outcome, reject = _attempts_while_the_database_returns(chunk_id)
        chunk_attempt_record(chunk_id=chunk_id, outcome=outcome, seconds=time.perf_counter() - started)
    if reject is not None:
        raise reject
