"""The chunk table is the outbox: every committed chunk's message is sent, now or later.

A chunk is written in the batch's transaction with `enqueued_at` NULL: that row is the
record of a message still to send. After the commit the api sends one message per chunk
and stamps `enqueued_at` (and counts `enqueues`); when SQS cannot be reached (or the api
dies between the commit and the send), the rows stay unstamped and the sweeper
(healthkit.sweeper) sends them. Sending twice is harmless: a delivery of a chunk that
already ended is a no-op.
"""

import logging
from collections.abc import Sequence
from functools import partial

from django.db import DatabaseError, transaction
from django.db.models import F
from django.utils import timezone

from healthkit.enqueue import chunk_enqueue
from healthkit.models import AppleHealthImportChunk, ChunkStatus

logger = logging.getLogger(__name__)

SEND_FAILED = "import chunk messages not sent ({sent} of {total} sent): {error}; the sweeper will send them"


def chunks_enqueued_mark(chunk_ids: Sequence[str]) -> None:
    """Record that a message was just sent for each chunk (best effort: unrecorded means sent again later)."""
    try:
        with transaction.atomic():  # a savepoint inside a sweep's transaction
            AppleHealthImportChunk.objects.filter(pk__in=chunk_ids).update(
                enqueued_at=timezone.now(), enqueues=F("enqueues") + 1
            )
    except DatabaseError as exc:
        logger.warning("import chunks sent but not marked enqueued: %s", type(exc).__name__)


def chunk_messages_send(chunk_ids: Sequence[str]) -> list[str]:
    """Send one message per chunk, stopping at the first failure; the ids sent (and marked)."""
    sent: list[str] = []
    for chunk_id in chunk_ids:
        try:
            chunk_enqueue(chunk_id)
        except Exception as exc:  # SQS unreachable, throttled, denied...: the rows remember (traceback logged)
            message = SEND_FAILED.format(sent=len(sent), total=len(chunk_ids), error=type(exc).__name__)
            logger.warning(message, exc_info=True)
            break
        sent.append(chunk_id)
    if sent:
        chunks_enqueued_mark(sent)
    return sent


def chunk_messages_send_on_commit(chunk_ids: Sequence[str]) -> None:
    """Send the chunks' messages once the current transaction commits (never if it rolls back)."""
    if chunk_ids:
        transaction.on_commit(partial(chunk_messages_send, [str(chunk_id) for chunk_id in chunk_ids]))


def batch_unsent_chunk_ids(batch_id) -> list[str]:
    """The batch's waiting chunks for which no message was ever sent."""
    unsent = AppleHealthImportChunk.objects.filter(batch_id=batch_id, status=ChunkStatus.QUEUED, enqueued_at=None)
    return [str(chunk_id) for chunk_id in unsent.order_by("index").values_list("id", flat=True)]
