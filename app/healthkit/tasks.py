"""Celery tasks: thin interfaces that take ids, call a service and decide about retries.

`healthkit.import_chunk` (one argument: the chunk id as a string). Its message comes back
(`Reject(requeue=True)`: kombu makes it visible again after `wait_time_seconds`, and SQS
counts one more receive) when the attempt was cut short (soft time limit, database
unavailable) or failed before the chunk's last attempt; at the last attempt the chunk ends
`failed` and the message is acked. docs/app.md ("Task failure semantics") has the details.
"""

import logging
import uuid

from celery import shared_task
from celery.exceptions import Reject, SoftTimeLimitExceeded
from django.db import DatabaseError, InterfaceError, OperationalError, connection

from healthkit.models import ChunkStatus
from healthkit.services.imports import chunk_failure_record, chunk_import, chunk_release

logger = logging.getLogger(__name__)

#: errors that say nothing about the chunk's data: retry without ever failing the chunk
RETRYABLE_ERRORS = (SoftTimeLimitExceeded, OperationalError, InterfaceError)


def error_describe(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}".strip()


def _connection_reset_if_broken() -> None:
    """After a database error, drop a broken connection so the next query reconnects."""
    if not connection.in_atomic_block:
        connection.close_if_unusable_or_obsolete()


def _retry_later(chunk_id: str, exc: BaseException) -> None:
    """Leave the chunk retryable (best effort) and hand the message back to the queue."""
    logger.warning("import chunk %s will be retried: %s", chunk_id, error_describe(exc))
    try:
        _connection_reset_if_broken()
        chunk_release(chunk_id=chunk_id, error=error_describe(exc))
    except DatabaseError as release_exc:  # still down: the claim accepts `processing` too
        logger.warning("import chunk %s not released: %s", chunk_id, error_describe(release_exc))
    raise Reject(error_describe(exc), requeue=True) from exc


def _attempt_failed(chunk_id: str, failure: Exception) -> None:
    """Count a failed attempt: hand the message back, or (last attempt) let it be acked."""
    try:
        status = chunk_failure_record(chunk_id=chunk_id, error=error_describe(failure))
    except RETRYABLE_ERRORS as exc:
        _retry_later(chunk_id, exc)
    if status == ChunkStatus.QUEUED:
        logger.warning("import chunk %s attempt failed, will retry: %s", chunk_id, error_describe(failure))
        raise Reject(error_describe(failure), requeue=True) from failure


@shared_task(name="healthkit.import_chunk")
def import_chunk(chunk_id: str) -> None:
    """Import one chunk (see healthkit.services.imports.chunk_import)."""
    try:
        uuid.UUID(str(chunk_id))
    except ValueError:
        logger.error("import chunk task got %r, not a chunk id; dropping the message", chunk_id)
        return
    try:
        chunk_import(chunk_id=chunk_id)
    except RETRYABLE_ERRORS as exc:
        _retry_later(chunk_id, exc)
    except Exception as exc:  # the chunk's own failure: counts toward its attempts
        _attempt_failed(chunk_id, exc)
