"""Import batches (the audit trail), their chunks (the unit of work) and the stored samples.

Invariants live in the database: unique (owner, fingerprint), unique (batch, index),
unique (owner, idempotency_key) when set, end >= start, counts >= 0, status choices.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import F, Q


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
    #: snapshot of the failed chunks' errors, written when the batch is finalized
    errors = models.JSONField(default=list, blank=True)

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
    payload = models.JSONField()
    status = models.CharField(max_length=32, choices=ChunkStatus.choices, default=ChunkStatus.QUEUED)
    attempts = models.IntegerField(default=0)
    records_received = models.IntegerField(default=0)
    records_created = models.IntegerField(default=0)
    records_duplicate = models.IntegerField(default=0)
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
                condition=Q(records_created__lte=F("records_received") - F("records_duplicate")),
                name="healthkit_chunk_records_lte_received",
            ),
            *_non_negative(
                "healthkit_chunk",
                "index",
                "attempts",
                "records_received",
                "records_created",
                "records_duplicate",
                "enqueues",
            ),
        ]

    def __str__(self) -> str:
        return f"chunk {self.index} of {self.batch_id} ({self.status})"


class HealthSample(models.Model):
    """One HealthKit sample, stored once per owner (by fingerprint)."""

    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_samples")
    type = models.CharField(max_length=100)
    value = models.FloatField()
    unit = models.CharField(max_length=64, blank=True, default="")
    start_at = models.DateTimeField()
    end_at = models.DateTimeField()
    source_name = models.CharField(max_length=255)
    source_bundle_id = models.CharField(max_length=255)
    device = models.CharField(max_length=255, blank=True, default="")
    metadata = models.JSONField(default=dict, blank=True)
    healthkit_uuid = models.UUIDField(null=True, blank=True)
    workout_activity_type = models.CharField(max_length=100, blank=True, default="")
    fingerprint = models.CharField(max_length=64)
    #: the batch that first stored this sample
    import_batch = models.ForeignKey(
        AppleHealthImportBatch, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ("-start_at", "-id")
        indexes = [
            models.Index(fields=("owner", "type", "start_at"), name="healthkit_sample_owner_type"),
            models.Index(fields=("owner", "start_at"), name="healthkit_sample_owner_start"),
        ]
        constraints = [
            models.UniqueConstraint(fields=("owner", "fingerprint"), name="healthkit_sample_owner_fingerprint_unique"),
            models.CheckConstraint(condition=Q(end_at__gte=F("start_at")), name="healthkit_sample_end_gte_start"),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.value} {self.unit} at {self.start_at.isoformat()}"


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
