"""Reads: a user sees only their own batches and samples."""

from datetime import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from healthkit.models import AppleHealthExport, AppleHealthImportBatch, ChunkStatus, HealthSample, HealthSampleChange
from healthkit.sweeper import stalled_chunks, sweep_limits


def import_batch_get(*, user: AbstractBaseUser, batch_id) -> AppleHealthImportBatch | None:
    """The user's batch, or None (also for another user's batch)."""
    return AppleHealthImportBatch.objects.filter(owner=user, pk=batch_id).first()


def export_get(*, user: AbstractBaseUser, export_id) -> AppleHealthExport | None:
    """The user's export with its batch, or None (also for another user's export)."""
    return AppleHealthExport.objects.filter(owner=user, pk=export_id).select_related("batch").first()


def import_batch_errors(*, batch: AppleHealthImportBatch) -> list[dict]:
    """The errors of the batch's failed chunks, by chunk index."""
    failed = batch.chunks.filter(status=ChunkStatus.FAILED).order_by("index")
    return [
        {"chunk": index, "attempts": attempts, "message": error}
        for index, attempts, error in failed.values_list("index", "attempts", "error")
    ]


def sample_list(
    *,
    user: AbstractBaseUser,
    type: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    updated_since: datetime | None = None,
) -> QuerySet[HealthSample]:
    """The user's samples, newest first; `start`/`end` keep samples overlapping [start, end]."""
    samples = HealthSample.objects.filter(owner=user)
    if updated_since is not None:
        samples = samples.filter(updated_at__gte=updated_since)
    if type:
        samples = samples.filter(type=type)
    if start is not None:
        samples = samples.filter(end_at__gte=start)
    if end is not None:
        samples = samples.filter(start_at__lte=end)
    return samples.order_by("-start_at", "-id")


def import_batch_chunk_states(*, batch: AppleHealthImportBatch, now: datetime | None = None) -> dict[str, int]:
    """How many of the batch's chunks wait, run, and are stalled (the sweeper sends them again)."""
    stalled = stalled_chunks(now=now or timezone.now(), limits=sweep_limits())
    return batch.chunks.aggregate(
        chunks_queued=Count("id", filter=Q(status=ChunkStatus.QUEUED)),
        chunks_processing=Count("id", filter=Q(status=ChunkStatus.PROCESSING)),
        chunks_stalled=Count("id", filter=stalled),
    )


def import_batch_list(*, user: AbstractBaseUser) -> QuerySet[AppleHealthImportBatch]:
    """The user's batches, newest first."""
    return AppleHealthImportBatch.objects.filter(owner=user).defer("errors").order_by("-created_at", "-id")


def changes_after(*, user: AbstractBaseUser, after_id: int, limit: int) -> list[HealthSampleChange]:
    """The user's feed entries after `after_id`, oldest first, at most `limit` (ids grow in commit order)."""
    return list(HealthSampleChange.objects.filter(owner=user, id__gt=after_id).order_by("id")[:limit])
