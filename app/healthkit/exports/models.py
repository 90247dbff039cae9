"""One uploaded Health app export and its reading into an import batch (healthkit.services.exports).

Status: `awaiting_upload` (created; the client uploads with the presigned POST) -> `reading`
(completed by the client; a worker streams it, appending chunks to the batch) -> `read` (every
element read, the batch sealed: its chunks finish it) or `failed` (`error` says why; chunks
already queued are imported and counted on the batch). The row is its own outbox: `enqueued_at`
and `heartbeat_at` let the sweeper send the task again when no worker reads it.
"""

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q


class ExportStatus(models.TextChoices):
    AWAITING_UPLOAD = "awaiting_upload"
    READING = "reading"
    READ = "read"
    FAILED = "failed"


EXPORT_FINAL_STATUSES = (ExportStatus.READ, ExportStatus.FAILED)


class AppleHealthExport(models.Model):
    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="health_exports")
    status = models.CharField(max_length=32, choices=ExportStatus.choices, default=ExportStatus.AWAITING_UPLOAD)
    #: the object's key: exports/<owner id>/<export id>
    object_key = models.CharField(max_length=255, unique=True)
    content_type = models.CharField(max_length=64)
    #: the upload limit the presigned POST carried (bytes)
    max_bytes = models.BigIntegerField()
    #: the object's size as read (bytes), once a worker looked
    size_bytes = models.BigIntegerField(null=True, blank=True)
    #: the object's ETag when first read: every later read (a resumed one too) must read that version
    object_etag = models.CharField(max_length=128, blank=True, default="")
    #: `zip` or `xml`, as detected from the object's first bytes
    format = models.CharField(max_length=8, blank=True, default="")
    batch = models.OneToOneField(
        "healthkit.AppleHealthImportBatch", on_delete=models.SET_NULL, null=True, blank=True, related_name="export"
    )
    #: progress, committed with the chunks it produced: the resume point after a crash
    elements_read = models.BigIntegerField(default=0)  # top-level elements of <HealthData> read
    samples_read = models.BigIntegerField(default=0)  # samples converted from them
    samples_rejected = models.BigIntegerField(default=0)  # samples the API's validation refuses
    chunks_queued = models.IntegerField(default=0)
    #: the first rejected samples ({"element", "field", "message"}), at most HEALTHKIT_EXPORT_REJECTED_LISTED
    rejected = models.JSONField(default=list, blank=True)
    error = models.TextField(blank=True, default="")
    attempts = models.IntegerField(default=0)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    object_deleted_at = models.DateTimeField(null=True, blank=True)

    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        app_label = "healthkit"
        ordering = ("-created_at",)
        indexes = [
            models.Index(fields=("owner", "-created_at"), name="healthkit_export_owner_created"),
            models.Index(fields=("heartbeat_at",), condition=Q(status="reading"), name="healthkit_export_reading"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(status__in=ExportStatus.values), name="healthkit_export_status_valid"),
            models.CheckConstraint(condition=Q(format__in=("", "zip", "xml")), name="healthkit_export_format_valid"),
            models.CheckConstraint(
                condition=~Q(status="reading") | Q(batch__isnull=False), name="healthkit_export_reading_has_batch"
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(error=""), name="healthkit_export_failed_has_error"
            ),
            *[
                models.CheckConstraint(condition=Q(**{f"{name}__gte": 0}), name=f"healthkit_export_{name}_gte_0")
                for name in ("elements_read", "samples_read", "samples_rejected", "chunks_queued", "attempts", "max_bytes")
            ],
        ]

    def __str__(self) -> str:
        return f"export {self.id} ({self.status})"
