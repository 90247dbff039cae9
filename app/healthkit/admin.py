"""Batches, chunks and samples in the Django admin: read-only (the API and the worker write)."""

from django.contrib import admin
from django.utils.html import format_html

from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, HealthSample

#: characters of a chunk's payload shown in the admin
PAYLOAD_PREVIEW_LENGTH = 2000


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class ChunkInline(admin.TabularInline):
    model = AppleHealthImportChunk
    fields = ("index", "status", "attempts", "records_received", "records_created", "records_duplicate", "error")
    readonly_fields = fields
    can_delete = False
    extra = 0
    show_change_link = True

    def has_add_permission(self, request, obj=None) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False


@admin.register(AppleHealthImportBatch)
class AppleHealthImportBatchAdmin(ReadOnlyAdmin):
    list_display = (
        "id",
        "owner",
        "status",
        "chunks_total",
        "chunks_succeeded",
        "chunks_failed",
        "records_received",
        "records_created",
        "records_duplicate",
        "created_at",
        "finished_at",
    )
    list_filter = ("status", "created_at")
    search_fields = ("id", "owner__username", "idempotency_key")
    list_select_related = ("owner",)
    inlines = (ChunkInline,)


@admin.register(AppleHealthImportChunk)
class AppleHealthImportChunkAdmin(ReadOnlyAdmin):
    list_display = ("id", "batch", "index", "status", "attempts", "records_received", "records_created", "created_at")
    list_filter = ("status",)
    search_fields = ("id", "batch__id")
    exclude = ("payload",)
    readonly_fields = ("payload_preview",)

    @admin.display(description="payload (preview)")
    def payload_preview(self, obj: AppleHealthImportChunk) -> str:
        """The stored JSON text as it is (the bytes its MAC covers), its start only, wrapped."""
        text = obj.payload
        if len(text) > PAYLOAD_PREVIEW_LENGTH:
            text = text[:PAYLOAD_PREVIEW_LENGTH] + " ..."
        return format_html('<pre style="white-space: pre-wrap">{}</pre>', text)


@admin.register(HealthSample)
class HealthSampleAdmin(ReadOnlyAdmin):
    list_display = ("id", "owner", "type", "value", "unit", "start_at", "end_at", "source_name")
    list_filter = ("type",)
    search_fields = ("owner__username", "type", "source_bundle_id")
    list_select_related = ("owner",)
