"""Import batches (the audit trail), their chunks (the unit of work) and the stored samples.

Invariants live in the database: one row per (owner, HealthKit uuid) and per (owner, sync
identifier); one row without either per (owner, fingerprint); one tombstone per (owner, uuid);
unique (batch, index), unique (owner, idempotency_key) when set, end >= start, counts >= 0,
status choices. Sync semantics (positions, tombstones, the changes feed): docs/sync-protocol.md.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone


class BatchStatus(models.TextChoices):
    QUEUED = "queued"
    PROCESSING = "processing"
    COMPLETED = "completed"
    COMPLETED_WITH_ERRORS = "completed_with_errors"
    FAILED = "failed"


BATCH_OPEN_STATUSES = (BatchStatus.QUEUED, BatchStatus.PROCESSING)


class ChunkStatus(models.TextChoices):
    QUEUED = "queued"  # waiting for (another) attempt
    PROCESSING = "processing"
    SUCCEEDED = "succeeded"
    FAILED = "failed"


CHUNK_FINAL_STATUSES = (ChunkStatus.SUCCEEDED, ChunkStatus.FAILED)


def _status_in(choices: type[models.TextChoices]) -> Q:
    return Q(status__in=choices.values)


def _non_negative(prefix: str, *names: str) -> list[models.CheckConstraint]:
    return [models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"{prefix}_{name}_gte_0") for name in names]


class AppleHealthImportBatch(models.Model):
    """One POST /api/v1/imports: its chunks' progress and outcome."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="import_batches")
    status = models.CharField(max_length=32, choices=BatchStatus.choices, default=BatchStatus.QUEUED)
    idempotency_key = models.CharField(max_length=255, null=True, blank=True)
    #: SHA-256 of the request that created the batch with its idempotency key (healthkit.idempotency)
    request_fingerprint = models.CharField(max_length=64, blank=True, default="")

    chunks_total = models.IntegerField(default=0)
    chunks_succeeded = models.IntegerField(default=0)
    chunks_failed = models.IntegerField(default=0)
    records_received = models.IntegerField(default=0)
    records_created = models.IntegerField(default=0)
    records_duplicate = models.IntegerField(default=0)
    records_updated = models.IntegerField(default=0)
    records_stale = models.IntegerField(default=0)
    records_deleted = models.IntegerField(default=0)
    #: order of acceptance (a database sequence): a write's position is (sequence, item index)
    sequence = models.BigIntegerField(unique=True, null=True, blank=True)
    #: snapshot of the failed chunks' errors, written when the batch is finalized
    errors = models.JSONField(default=list, blank=True)
    #: False while chunks may still be appended (an export being read): only a sealed batch is finalized
    sealed = models.BooleanField(default=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "import batch"
        verbose_name_plural = "import batches"
        ordering = ("-created_at",)
        indexes = [models.Index(fields=("owner", "-created_at"), name="healthkit_batch_owner_created")]
        constraints = [
            models.CheckConstraint(condition=_status_in(BatchStatus), name="healthkit_batch_status_valid"),
            models.UniqueConstraint(
                fields=("owner", "idempotency_key"),
                condition=Q(idempotency_key__isnull=False),
                name="healthkit_batch_owner_idempotency_key_unique",
            ),
            models.CheckConstraint(
                condition=Q(chunks_succeeded__lte=F("chunks_total") - F("chunks_failed")),
                name="healthkit_batch_chunks_ended_lte_total",
            ),
            *_non_negative(
                "healthkit_batch",
                "chunks_total",
                "chunks_succeeded",
                "chunks_failed",
                "records_received",
                "records_created",
                "records_duplicate",
                "records_updated",
                "records_stale",
                "records_deleted",
            ),
        ]

    def __str__(self) -> str:
        return f"import {self.id} ({self.status})"

    @property
    def chunks_ended(self) -> int:
        return self.chunks_succeeded + self.chunks_failed

    @property
    def progress(self) -> float:
        """Fraction of chunks that have ended, 0.0 to 1.0."""
        return round(self.chunks_ended / self.chunks_total, 4) if self.chunks_total else 1.0


class AppleHealthImportChunk(models.Model):
    """Up to HEALTHKIT_IMPORT_CHUNK_SIZE samples of a batch: one `healthkit.import_chunk` task."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    batch = models.ForeignKey(AppleHealthImportBatch, on_delete=models.CASCADE, related_name="chunks")
    index = models.IntegerField()
    #: position in the request of the chunk's first item (samples, then deletions)
    offset = models.IntegerField(default=0)
    #: the samples and deletions to apply, as JSON text: exactly the bytes healthkit.chunk_payload wrote
    #: (and reads: text, not jsonb, which would reorder and respace them); `chunk_payload.EMPTIED` once
    #: the chunk succeeded (HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS)
    payload = models.TextField()
    #: HMAC of the owner's id and the payload's bytes: the worker trusts the items unvalidated when it verifies
    payload_mac = models.CharField(max_length=64, blank=True, default="")
    payload_cleared_at = models.DateTimeField(null=True, blank=True)
    status = models.CharField(max_length=32, choices=ChunkStatus.choices, default=ChunkStatus.QUEUED)
    attempts = models.IntegerField(default=0)
    records_received = models.IntegerField(default=0)
    records_created = models.IntegerField(default=0)
    records_duplicate = models.IntegerField(default=0)
    records_updated = models.IntegerField(default=0)
    records_stale = models.IntegerField(default=0)
    records_deleted = models.IntegerField(default=0)
    error = models.TextField(blank=True, default="")
    #: when a message for this chunk was last put on the queue; NULL: none yet (healthkit.outbox)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    #: messages put on the queue for this chunk (the api's, then the sweeper's)
    enqueues = models.IntegerField(default=0)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = "import chunk"
        ordering = ("batch", "index")
        indexes = [
            # the sweeper's scan: only chunks still waiting or running
            models.Index(
                fields=("updated_at",),
                condition=Q(status__in=("queued", "processing")),
                name="healthkit_chunk_open_updated",
            )
        ]
        constraints = [
            models.UniqueConstraint(fields=("batch", "index"), name="healthkit_chunk_batch_index_unique"),
            models.CheckConstraint(condition=_status_in(ChunkStatus), name="healthkit_chunk_status_valid"),
            models.CheckConstraint(
                condition=Q(
                    records_created__lte=F("records_received")
                    - F("records_duplicate")
                    - F("records_updated")
                    - F("records_stale")
                    - F("records_deleted")
                ),
                name="healthkit_chunk_outcomes_lte_received",
            ),
            *_non_negative(
                "healthkit_chunk",
                "index",
                "offset",
                "attempts",
                "records_received",
                "records_created",
                "records_duplicate",
                "records_updated",
                "records_stale",
                "records_deleted",
                "enqueues",
            ),
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of {self.batch_id} ({self.status})"


class HealthSample(models.Model):
    """One HealthKit sample of an owner: identified by its uuid, its sync identifier, or its content."""

    #: no index of its own: every index of the table starts with the owner
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_samples", db_index=False
    )
    type = models.CharField(max_length=100)
    #: False for a well-formed identifier the catalogue does not know (stored as sent, not converted)
    recognized = models.BooleanField(default=True)
    #: as sent
    value = models.FloatField()
    unit = models.CharField(max_length=64, blank=True, default="")
    #: in the type's canonical unit (healthkit.catalogue); what the fingerprint and readers use
    canonical_value = models.FloatField(default=0.0)
    canonical_unit = models.CharField(max_length=64, blank=True, default="")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    #: seconds east of UTC that start/end were written with; null for rows stored before offsets were kept
    start_offset = models.IntegerField(null=True, blank=True)
    end_offset = models.IntegerField(null=True, blank=True)
    #: metadata HKTimeZone when sent
    time_zone = models.CharField(max_length=64, blank=True, default="")
    source_name = models.CharField(max_length=255)
    source_bundle_id = models.CharField(max_length=255, blank=True, default="")
    device = models.CharField(max_length=255, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    healthkit_uuid = models.UUIDField(null=True, blank=True)
    sync_identifier = models.CharField(max_length=255, null=True, blank=True)
    sync_version = models.BigIntegerField(null=True, blank=True)
    workout_activity_type = models.CharField(max_length=100, blank=True, default="")
    correlation_type = models.CharField(max_length=100, blank=True, default="")
    correlation_id = models.CharField(max_length=64, blank=True, default="")
    fingerprint = models.CharField(max_length=64)
    #: position of the write whose content the row holds (batch sequence << 24 | item index)
    position = models.BigIntegerField(default=0)
    #: the batch of the write whose content the row holds (set with the content; a move of the position alone keeps it)
    import_batch = models.ForeignKey(
        AppleHealthImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    #: the row's entry in the owner's changes feed: a new id from HealthSampleChange's sequence,
    #: under the owner's lock, whenever its content changes (healthkit.sync.feed)
    change_id = models.BigIntegerField()
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ("-start_at", "-id")
        indexes = [
            models.Index(fields=("owner", "type", "start_at"), name="healthkit_sample_owner_type"),
            models.Index(fields=("owner", "start_at"), name="healthkit_sample_owner_start"),
            # the identity lookups (healthkit.sync.store) lead with the key: see _matching_sql there
            models.Index(fields=("fingerprint", "owner"), name="healthkit_sample_fp_owner"),
            models.Index(fields=("owner", "updated_at"), name="healthkit_sample_owner_updated"),
            models.Index(fields=("owner", "change_id"), name="healthkit_sample_owner_change"),  # the changes feed
        ]
        constraints = [
            # deferred: a chunk may move a uuid from one row to another within its transaction
            models.UniqueConstraint(
                fields=("healthkit_uuid", "owner"),
                name="healthkit_sample_uuid_owner_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(
                fields=("sync_identifier", "owner"),
                name="healthkit_sample_sync_owner_unique",
                deferrable=models.Deferrable.DEFERRED,
            ),
            models.UniqueConstraint(
                fields=("owner", "fingerprint"),
                condition=Q(healthkit_uuid__isnull=True, sync_identifier__isnull=True),
                name="healthkit_sample_owner_fp_unique_anonymous",
            ),
            models.CheckConstraint(condition=Q(end_at__gte=F("start_at")), name="healthkit_sample_end_gte_start"),
            models.CheckConstraint(
                condition=Q(sync_identifier__isnull=True) | Q(sync_version__isnull=False),
                name="healthkit_sample_sync_version_with_identifier",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.value} {self.unit} at {self.start_at.isoformat()}"


class HealthSampleDeletion(models.Model):
    """A tombstone: the HealthKit object with this uuid was deleted (HKDeletedObject) at `position`."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    healthkit_uuid = models.UUIDField()
    #: position of the deletion
    position = models.BigIntegerField()
    #: what the deleted row held, when a row was deleted (later writes compare against it)
    sync_identifier = models.CharField(max_length=255, null=True, blank=True)
    sync_version = models.BigIntegerField(null=True, blank=True)
    content_position = models.BigIntegerField(null=True, blank=True)
    fingerprint = models.CharField(max_length=64, blank=True, default="")
    import_batch = models.ForeignKey(
        AppleHealthImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    deleted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            # the identity lookups (healthkit.sync.store) lead with the key
            models.Index(fields=("fingerprint", "owner"), name="healthkit_deletion_fp_owner"),
            models.Index(fields=("sync_identifier", "owner"), name="healthkit_deletion_sync_owner"),
        ]
        constraints = [
            models.UniqueConstraint(fields=("healthkit_uuid", "owner"), name="healthkit_deletion_uuid_owner_unique"),
        ]


class ChangeKind(models.TextChoices):
    UPSERT = "upsert"
    DELETE = "delete"


class HealthSampleChange(models.Model):
    """An entry of an owner's changes feed that is not a stored row: a removed row (`delete`), or
    an `upsert` written before migration 0008 (a stored row is its own entry: HealthSample.change_id).

    Ids come from this table's sequence, as the rows' change ids do, under the owner's lock: an
    owner's entries of both kinds grow in commit order (docs/sync-protocol.md, "The changes feed").
    """

    id = models.BigAutoField(primary_key=True)
    #: no index of its own: (owner, id) is indexed
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", db_index=False)
    kind = models.CharField(max_length=8, choices=ChangeKind.choices)
    sample_id = models.BigIntegerField()
    healthkit_uuid = models.UUIDField(null=True, blank=True)
    #: the sample as GET /api/v1/samples showed it, for upserts written before migration 0008
    data = models.JSONField(null=True, blank=True)
    import_batch = models.ForeignKey(
        AppleHealthImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=("owner", "id"), name="healthkit_change_owner_id")]
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=ChangeKind.values), name="healthkit_change_kind_valid"),
        ]


class ThrottleCacheEntry(models.Model):
    """A row of Django's DatabaseCache `throttle` (backend.authentication's failure counters).

    The table createcachetable would make, made by a migration instead, so that `migrate`
    alone readies every environment.
    """

    cache_key = models.CharField(max_length=255, primary_key=True)
    value = models.TextField()
    expires = models.DateTimeField(db_index=True)

    class Meta:
        db_table = "healthkit_throttle_cache"


from healthkit.exports.models import AppleHealthExport, ExportStatus  # noqa: E402,F401 - the export's model, registered with the app
