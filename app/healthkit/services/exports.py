"""Exports: create (a presigned upload), complete (a batch to read into), read (the worker's task).

Reading streams the object (healthkit.exports.s3, .source), parses export.xml element by element
(healthkit.exportxml), validates each sample as the API does (`sample_validate`) and appends
chunks to the export's batch (`chunks_append`, the api's own path: same payload, same outbox).
Every HEALTHKIT_EXPORT_CHUNKS_PER_COMMIT chunks (or HEALTHKIT_EXPORT_HEARTBEAT seconds) one
transaction stores the chunks with the progress: elements read, samples, chunks. That is the
resume point: a worker that dies loses only what it had not committed, and the next claim
skips the elements already stored (their bytes are parsed again, nothing is written twice).

A claim counts an attempt; the count is a fencing token, so a worker that was taken over
(no commit for HEALTHKIT_EXPORT_STALE_AFTER seconds) can no longer commit anything.
"""

import logging
import time
from datetime import timedelta
from dataclasses import dataclass, field
from xml.etree.ElementTree import ParseError

from botocore.exceptions import ClientError
from defusedxml import DTDForbidden, EntitiesForbidden, ExternalReferenceForbidden
from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from healthkit import errors
from healthkit.db import query_cancelled_on_interrupt
from healthkit.enqueue import export_enqueue
from healthkit.exports.models import AppleHealthExport, ExportStatus
from healthkit.exports.s3 import (
    PresignedUpload,
    object_changed,
    object_delete,
    object_open,
    object_version,
    s3_client,
    upload_presign,
)
from healthkit.exports.source import ExportRejected, export_format, export_xml_open
from healthkit.exportxml.reader import ElementTooLarge, export_elements
from healthkit.metrics import export_finished_record
from healthkit.models import AppleHealthImportBatch, BatchStatus
from healthkit.services.imports import batch_seal, chunks_append
from healthkit.sync.positions import batch_sequence_next
from healthkit.validation import import_limits, sample_validate

logger = logging.getLogger(__name__)

#: a write's position numbers a batch's items in 24 bits (healthkit.sync.positions)
MAX_EXPORT_SAMPLES = 2**24 - 1


class Superseded(Exception):
    """Another claim took the export over: this reading stops without writing."""


@dataclass
class _Progress:
    """What is read but not yet committed, on top of the export row's committed counters."""

    export: AppleHealthExport
    attempt: int
    pending: list = field(default_factory=list)
    rejected: list = field(default_factory=list)
    rejected_count: int = 0
    elements: int = 0  # the committed resume point plus the elements read since
    samples: int = 0
    last_commit: float = field(default_factory=time.monotonic)


# --- claim, commit, end ----------------------------------------------------------------------


def export_claim(*, export_id, now=None) -> int | None:
    """Take the export for reading: the attempt number, or None (not reading, or a live worker holds it)."""
    now = now or timezone.now()
    with transaction.atomic(), query_cancelled_on_interrupt():
        export = AppleHealthExport.objects.select_for_update().filter(pk=export_id).first()
        if export is None or export.status != ExportStatus.READING:
            return None
        stale_before = now - timedelta(seconds=settings.HEALTHKIT_EXPORT_STALE_AFTER)
        if export.heartbeat_at is not None and export.heartbeat_at > stale_before:
            return None
        export.attempts += 1
        export.heartbeat_at, export.started_at = now, export.started_at or now
        export.save(update_fields=("attempts", "heartbeat_at", "started_at", "updated_at"))
    if export.attempts > settings.HEALTHKIT_EXPORT_MAX_ATTEMPTS:
        export_fail(export_id=export_id, attempt=export.attempts, error=errors.EXPORT_ATTEMPTS_EXHAUSTED.format(
            attempts=export.attempts - 1, error=export.error or "no error recorded"))
        return None
    return export.attempts


def _fenced(export_id, attempt: int):
    return AppleHealthExport.objects.filter(pk=export_id, status=ExportStatus.READING, attempts=attempt)


def _commit(progress: _Progress) -> None:
    """Append the pending samples as chunks and store the resume point, in one transaction."""
    export, chunk_size = progress.export, settings.HEALTHKIT_IMPORT_CHUNK_SIZE
    items, listed_room = progress.pending, max(0, settings.HEALTHKIT_EXPORT_REJECTED_LISTED - len(export.rejected))
    with transaction.atomic(), query_cancelled_on_interrupt():  # a soft time limit must not leave the query running
        locked = _fenced(export.pk, progress.attempt).select_for_update().first()
        if locked is None:
            raise Superseded(str(export.pk))
        new_chunks = len(chunks_append(
            batch_id=locked.batch_id,
            owner_id=locked.owner_id,
            items=items,
            chunk_size=chunk_size,
            first_index=locked.chunks_queued,
            first_offset=locked.samples_read - locked.samples_rejected,
        ))
        if new_chunks:
            AppleHealthImportBatch.objects.filter(pk=locked.batch_id).update(
                chunks_total=F("chunks_total") + new_chunks, records_received=F("records_received") + len(items)
            )
        locked.elements_read = progress.elements
        locked.samples_read += progress.samples
        locked.samples_rejected += progress.rejected_count
        locked.chunks_queued += new_chunks
        locked.rejected = locked.rejected + progress.rejected[:listed_room]
        locked.heartbeat_at = timezone.now()
        locked.save()
    progress.export = locked
    progress.pending, progress.rejected, progress.rejected_count, progress.samples = [], [], 0, 0
    progress.last_commit = time.monotonic()


def _end(export: AppleHealthExport, *, attempt: int, status: str, error: str = "") -> AppleHealthExport | None:
    with transaction.atomic(), query_cancelled_on_interrupt():  # a soft time limit must not leave the query running
        locked = _fenced(export.pk, attempt).select_for_update().first()
        if locked is None:
            return None
        if error and locked.chunks_queued:
            error += errors.EXPORT_PARTIAL.format(samples=locked.samples_read - locked.samples_rejected, chunks=locked.chunks_queued)
        locked.status, locked.error, locked.finished_at, locked.heartbeat_at = status, error, timezone.now(), None
        locked.save(update_fields=("status", "error", "finished_at", "heartbeat_at", "updated_at"))
        batch_seal(batch_id=locked.batch_id, empty_status=BatchStatus.FAILED if error else BatchStatus.COMPLETED)
    _object_forget(locked)
    export_finished_record(locked)
    return locked


def export_fail(*, export_id, attempt: int, error: str) -> AppleHealthExport | None:
    """End the export `failed` with `error` (what was queued before stays, and is said so)."""
    export = AppleHealthExport.objects.get(pk=export_id)
    logger.error("export %s failed: %s", export_id, error, extra={"export_id": str(export_id)})
    return _end(export, attempt=attempt, status=ExportStatus.FAILED, error=error)


def _object_forget(export: AppleHealthExport) -> None:
    """Delete the uploaded object (the bucket's lifecycle rule deletes it anyway if this fails)."""
    try:
        object_delete(s3_client(), export.object_key)
    except Exception as exc:  # S3 unreachable: the lifecycle expiry deletes it
        logger.warning("export %s: the object was not deleted (%s); the lifecycle rule will", export.pk, type(exc).__name__)
        return
    AppleHealthExport.objects.filter(pk=export.pk).update(object_deleted_at=timezone.now())


def export_release(*, export_id, attempt: int, error: str = "") -> None:
    """Let another claim take the export at once (a soft time limit, or an error the next claim may
    not meet: S3 or the database unreachable); `error` is kept for the message if attempts run out."""
    fields = {"heartbeat_at": None, "enqueued_at": None, "updated_at": timezone.now()}
    _fenced(export_id, attempt).update(**fields, **({"error": error[:2000]} if error else {}))


# --- reading ----------------------------------------------------------------------------------


def _add(progress: _Progress, index: int, samples: list[dict], limits) -> None:
    for number, raw in enumerate(samples):
        sample, problems = sample_validate(raw, index=None, limits=limits)
        if sample is None:
            progress.rejected_count += 1
            progress.rejected.extend({"element": index, "sample": number, **problem} for problem in problems[:1])
        else:
            progress.pending.append(sample)
    progress.samples += len(samples)
    progress.elements = index + 1
    if progress.export.samples_read + progress.samples > MAX_EXPORT_SAMPLES:
        raise ExportRejected(errors.EXPORT_TOO_MANY_SAMPLES.format(limit=MAX_EXPORT_SAMPLES))


def _due(progress: _Progress) -> bool:
    full = len(progress.pending) >= settings.HEALTHKIT_IMPORT_CHUNK_SIZE * settings.HEALTHKIT_EXPORT_CHUNKS_PER_COMMIT
    return full or time.monotonic() - progress.last_commit >= settings.HEALTHKIT_EXPORT_HEARTBEAT


def _stream(export: AppleHealthExport, client):
    version = object_version(client, export.object_key)
    if version is None:
        raise ExportRejected(errors.EXPORT_NOT_UPLOADED)
    if export.object_etag and version.etag != export.object_etag:  # a resumed read must read the same file
        raise ExportRejected(errors.EXPORT_REPLACED)
    if version.size > export.max_bytes:
        raise ExportRejected(errors.EXPORT_TOO_LARGE.format(size=version.size, limit=export.max_bytes))
    stream = object_open(client, export.object_key, version)
    fmt = export_format(stream)
    AppleHealthExport.objects.filter(pk=export.pk).update(size_bytes=version.size, format=fmt, object_etag=version.etag)
    return export_xml_open(stream, fmt)


def _problem(exc: Exception) -> str:
    if isinstance(exc, (ExportRejected, ElementTooLarge)):
        return str(exc)
    if isinstance(exc, (EntitiesForbidden, DTDForbidden, ExternalReferenceForbidden)):
        return errors.EXPORT_XML_ENTITIES.format(reason=exc)
    return errors.EXPORT_XML_MALFORMED.format(reason=exc)


REFUSED = (ExportRejected, ElementTooLarge, ParseError, EntitiesForbidden, DTDForbidden, ExternalReferenceForbidden)


def export_read(*, export_id, attempt: int) -> AppleHealthExport | None:
    """Read a claimed export to its end: `read`, or `failed` with its reason; None if taken over."""
    export = AppleHealthExport.objects.get(pk=export_id)
    progress, limits = _Progress(export=export, attempt=attempt, elements=export.elements_read), import_limits()
    try:
        for index, samples in export_elements(_stream(export, s3_client()), skip=export.elements_read):
            if index < export.elements_read:
                continue
            _add(progress, index, samples, limits)
            if _due(progress):
                _commit(progress)
        _commit(progress)
    except REFUSED as exc:
        return _fail_after(progress, _problem(exc))
    except ClientError as exc:
        if not object_changed(exc):
            raise
        return _fail_after(progress, errors.EXPORT_REPLACED)
    except Superseded:
        return _superseded(export_id)
    logger.info("export %s read: %s samples", export_id, progress.export.samples_read, extra={"export_id": str(export_id)})
    return _end(progress.export, attempt=attempt, status=ExportStatus.READ)


def _superseded(export_id) -> None:
    logger.warning("export %s was taken over by another claim; this reading stops", export_id)


def _fail_after(progress: _Progress, error: str) -> AppleHealthExport | None:
    """The samples of the elements read whole before the problem are queued too, and the error says how many."""
    try:
        _commit(progress)
    except Superseded:
        return _superseded(progress.export.pk)
    return export_fail(export_id=progress.export.pk, attempt=progress.attempt, error=error)


# --- the api's side -----------------------------------------------------------------------------


def _open_exports_limit(owner) -> None:
    """Refuse a new export while the owner holds HEALTHKIT_EXPORTS_OPEN_MAX open ones (each a 2 GiB
    upload slot and, once completed, a worker's time). The owner's row is locked so that
    concurrent requests count one after the other."""
    type(owner).objects.select_for_update().filter(pk=owner.pk).first()
    upload_valid_since = timezone.now() - timedelta(seconds=settings.HEALTHKIT_EXPORT_UPLOAD_EXPIRES)
    open_exports = AppleHealthExport.objects.filter(owner=owner).filter(
        Q(status=ExportStatus.READING) | Q(status=ExportStatus.AWAITING_UPLOAD, created_at__gt=upload_valid_since)
    ).count()
    if open_exports >= settings.HEALTHKIT_EXPORTS_OPEN_MAX:
        raise errors.ApplicationError(errors.EXPORTS_OPEN_LIMIT.format(open=open_exports), status=429)


def export_create(*, owner, content_type: str) -> tuple[AppleHealthExport, PresignedUpload]:
    """A new export awaiting its upload under the owner's prefix, and the presigned POST for it
    (stored only if the POST could be signed)."""
    if not settings.HEALTHKIT_EXPORTS_BUCKET:
        raise errors.ApplicationError(errors.EXPORT_NOT_CONFIGURED, status=503)
    export = AppleHealthExport(owner=owner, content_type=content_type, max_bytes=settings.HEALTHKIT_EXPORT_MAX_BYTES)
    export.object_key = f"exports/{owner.pk}/{export.pk}"
    with transaction.atomic():
        _open_exports_limit(owner)
        export.save()
        upload = upload_presign(key=export.object_key, content_type=content_type, max_bytes=export.max_bytes,
                                expires_in=settings.HEALTHKIT_EXPORT_UPLOAD_EXPIRES)
    return export, upload


def export_send(export_id: str) -> bool:
    """Send the reading task and record it (unsent or unrecorded: the sweeper sends it later)."""
    try:
        export_enqueue(export_id)
    except Exception:  # SQS unreachable, throttled...: the row remembers (traceback logged)
        logger.warning("export %s: the reading task was not sent; the sweeper will send it", export_id, exc_info=True)
        return False
    AppleHealthExport.objects.filter(pk=export_id).update(enqueued_at=timezone.now())
    return True


def exports_sweep(*, now=None) -> list[str]:
    """Send the task again for every reading export no worker holds (never sent, or its worker gone)."""
    now = now or timezone.now()
    stale_before = now - timedelta(seconds=settings.HEALTHKIT_EXPORT_STALE_AFTER)
    grace_before = now - timedelta(seconds=settings.HEALTHKIT_SWEEPER_SEND_GRACE)
    waiting = AppleHealthExport.objects.filter(status=ExportStatus.READING, updated_at__lt=grace_before).filter(
        Q(heartbeat_at__isnull=True) | Q(heartbeat_at__lt=stale_before)
    ).filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale_before))
    ids = [str(export_id) for export_id in waiting.values_list("id", flat=True)[: settings.HEALTHKIT_SWEEPER_BATCH_SIZE]]
    sent = [export_id for export_id in ids if export_send(export_id)]
    if ids:
        logger.warning("sweeper: %s export(s) without a worker; task sent for %s", len(ids), len(sent))
    return sent


def export_complete(*, export: AppleHealthExport) -> tuple[AppleHealthExport, bool]:
    """The upload is done: a batch to read into, and the task sent at commit; (export, started).

    Completing an export already started answers it as it is (started False).
    """
    with transaction.atomic():
        locked = AppleHealthExport.objects.select_for_update().get(pk=export.pk)
        if locked.status != ExportStatus.AWAITING_UPLOAD:
            return locked, False
        locked.batch = AppleHealthImportBatch.objects.create(
            owner_id=locked.owner_id, sequence=batch_sequence_next(), sealed=False
        )
        locked.status = ExportStatus.READING
        locked.save(update_fields=("batch", "status", "updated_at"))
        transaction.on_commit(lambda: export_send(str(locked.pk)))
    return locked, True
