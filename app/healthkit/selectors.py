"""Reads: a user sees only their own batches and samples."""

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from django.contrib.auth.models import AbstractBaseUser
from django.db import connection
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from healthkit.models import AppleHealthExport, AppleHealthImportBatch, ChunkStatus, HealthSample, HealthSampleChange
from healthkit.sweeper import stalled_chunks, sweep_limits
from healthkit.sync.snapshot import sample_snapshot


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


@dataclass(frozen=True, slots=True)
class FeedEntry:
    """One entry of the changes feed, as GET /api/v1/changes shows it (`data`: the sample, or None)."""

    id: int
    kind: str
    sample_id: int
    healthkit_uuid: UUID | None
    data: dict | None
    import_batch_id: UUID | None


@dataclass(frozen=True, slots=True)
class FeedPage:
    entries: list[FeedEntry]
    last_id: int  # the cursor after this page: every entry up to it was read
    has_more: bool


#: the ids of the feed's next entries, in ONE statement (one snapshot): stored rows by change_id
#: (`stored` 1), the entries table (removals, and upserts from before migration 0008; `stored` 0).
#: A row and its last old entry share an id (migration 0008); the row comes first.
_FEED_IDS = (
    "SELECT id, stored FROM ("
    " SELECT * FROM (SELECT change_id AS id, 1 AS stored FROM healthkit_healthsample"
    "  WHERE owner_id = %(owner)s AND change_id > %(after)s ORDER BY change_id LIMIT %(limit)s) AS rows"
    " UNION ALL"
    " SELECT * FROM (SELECT id, 0 AS stored FROM healthkit_healthsamplechange"
    "  WHERE owner_id = %(owner)s AND id > %(after)s ORDER BY id LIMIT %(limit)s) AS entries"
    ") AS feed ORDER BY id, stored DESC"
)


def _feed_ids(*, owner_id: int, after_id: int, limit: int) -> list[tuple[int, bool]]:
    """(id, is a stored row) of the first `limit` entries after `after_id`, in order."""
    with connection.cursor() as cursor:
        cursor.execute(_FEED_IDS, {"owner": owner_id, "after": after_id, "limit": limit})
        found = cursor.fetchall()
    ids: dict[int, bool] = {}
    for entry_id, stored in found:
        ids.setdefault(entry_id, bool(stored))
    return list(ids.items())[:limit]


def changes_page(*, user: AbstractBaseUser, after_id: int, limit: int) -> FeedPage:
    """The user's feed entries after `after_id`, oldest first, at most `limit` (docs/sync-protocol.md).

    A row changed or removed between the two reads is left out: its newer entry comes after this page.
    """
    ids = _feed_ids(owner_id=user.pk, after_id=after_id, limit=limit + 1)
    page = ids[:limit]
    rows = HealthSample.objects.filter(owner=user, change_id__in=[entry_id for entry_id, stored in page if stored])
    found = {sample.change_id: _row_entry(sample) for sample in rows}
    others = HealthSampleChange.objects.filter(owner=user, id__in=[entry_id for entry_id, stored in page if not stored])
    found |= {change.id: _table_entry(change) for change in others}
    entries = [found[entry_id] for entry_id, _ in page if entry_id in found]
    return FeedPage(entries=entries, last_id=page[-1][0] if page else after_id, has_more=len(ids) > limit)


def _row_entry(sample: HealthSample) -> FeedEntry:
    return FeedEntry(sample.change_id, "upsert", sample.id, sample.healthkit_uuid, sample_snapshot(sample), sample.import_batch_id)


def _table_entry(change: HealthSampleChange) -> FeedEntry:
    return FeedEntry(change.id, change.kind, change.sample_id, change.healthkit_uuid, change.data, change.import_batch_id)
