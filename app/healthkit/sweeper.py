"""The sweeper: no chunk is left waiting for a message that will never come.

`chunks_sweep()` looks at the chunks still `queued` or `processing` and

- sends the message of every chunk that never had one HEALTHKIT_SWEEPER_SEND_GRACE seconds
  after its commit (SQS was unreachable, or the api died, between the commit and the send:
  the chunk row is the outbox, healthkit.outbox);
- re-sends the message of every chunk *stuck*: no claim, release or message for
  HEALTHKIT_SWEEPER_STALE_AFTER seconds, longer than any attempt can run (its message was
  dead-lettered during a database outage, or deleted by an attempt whose commit was lost);
- gives up on a stuck chunk that already had HEALTHKIT_CHUNK_MAX_ATTEMPTS attempts: it ends
  `failed` ("gave up after N attempts: ...") and its batch is finalized, so a batch's status
  always comes to an end. Re-sends are bounded by the attempts they lead to.

Rows are taken with `FOR UPDATE SKIP LOCKED` and re-checked under the lock, so sweepers in
every worker (backend.sweeper) and a claiming worker never act twice on one chunk; a message
sent twice is harmless anyway (a delivery of a chunk that ended is a no-op).
"""

import logging
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from healthkit import errors
from healthkit.models import AppleHealthImportChunk, ChunkStatus
from healthkit.outbox import chunk_messages_send
from healthkit.services.imports import chunk_failure_record

logger = logging.getLogger(__name__)

OPEN_CHUNK_STATUSES = (ChunkStatus.QUEUED, ChunkStatus.PROCESSING)


@dataclass(frozen=True)
class SweepLimits:
    send_grace: timedelta
    stale_after: timedelta
    max_attempts: int
    batch_size: int


def sweep_limits() -> SweepLimits:
    """The limits in force, from settings."""
    return SweepLimits(
        send_grace=timedelta(seconds=settings.HEALTHKIT_SWEEPER_SEND_GRACE),
        stale_after=timedelta(seconds=settings.HEALTHKIT_SWEEPER_STALE_AFTER),
        max_attempts=settings.HEALTHKIT_CHUNK_MAX_ATTEMPTS,
        batch_size=settings.HEALTHKIT_SWEEPER_BATCH_SIZE,
    )


@dataclass
class SweepResult:
    never_sent: list[str] = field(default_factory=list)
    stuck: list[str] = field(default_factory=list)
    sent: list[str] = field(default_factory=list)
    given_up: list[str] = field(default_factory=list)


def _is_stuck(chunk: AppleHealthImportChunk, *, stale_before: datetime) -> bool:
    quiet = chunk.updated_at < stale_before
    return quiet and (chunk.enqueued_at is None or chunk.enqueued_at < stale_before)


def stalled_chunks(*, now: datetime, limits: SweepLimits) -> Q:
    """Open chunks the sweeper acts on: never sent past the grace, or stuck past the stale window."""
    stale_before = now - limits.stale_after
    never_sent = Q(enqueued_at__isnull=True, created_at__lt=now - limits.send_grace)
    quiet = Q(updated_at__lt=stale_before) & (Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_before))
    return Q(status__in=OPEN_CHUNK_STATUSES) & (never_sent | quiet)


def _candidates(*, now: datetime, limits: SweepLimits) -> list[AppleHealthImportChunk]:
    """The stalled chunks, row-locked, skipping those locked elsewhere (a claim, another sweeper)."""
    chunks = (
        AppleHealthImportChunk.objects.select_for_update(skip_locked=True)
        .filter(stalled_chunks(now=now, limits=limits))
        .only("id", "status", "attempts", "enqueued_at", "updated_at", "created_at")
        .order_by("updated_at")
    )
    return list(chunks[: limits.batch_size])


def chunks_sweep(*, now: datetime | None = None, limits: SweepLimits | None = None) -> SweepResult:
    """Send what was never sent, re-send what is stuck, give up on stuck chunks out of attempts."""
    now = now or timezone.now()
    limits = limits or sweep_limits()
    stale_before = now - limits.stale_after
    result = SweepResult()
    with transaction.atomic():
        to_send = []
        for chunk in _candidates(now=now, limits=limits):
            stuck = _is_stuck(chunk, stale_before=stale_before)
            (result.stuck if stuck else result.never_sent).append(str(chunk.id))
            if stuck and chunk.attempts >= limits.max_attempts:
                error = errors.CHUNK_STUCK.format(status=chunk.status, since=chunk.updated_at.isoformat())
                chunk_failure_record(chunk_id=str(chunk.id), error=error, max_attempts=limits.max_attempts)
                result.given_up.append(str(chunk.id))
            else:
                to_send.append(str(chunk.id))
        result.sent = chunk_messages_send(to_send) if to_send else []
    _report(result)
    return result


def _report(result: SweepResult) -> None:
    if result.never_sent or result.stuck:
        logger.warning(
            "sweeper: %s chunk(s) never sent, %s stuck; %s message(s) sent, %s chunk(s) given up: %s",
            len(result.never_sent),
            len(result.stuck),
            len(result.sent),
            len(result.given_up),
            ", ".join((result.never_sent + result.stuck)[:20]),
        )
