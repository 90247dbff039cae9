"""Empty the payloads of chunks that succeeded more than HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS days ago
(to healthkit.chunk_payload.EMPTIED; `payload_cleared_at` says when)."""

from datetime import timedelta

from django.conf import settings
from django.core.management.base import BaseCommand
from django.utils import timezone

from healthkit.chunk_payload import EMPTIED
from healthkit.models import AppleHealthImportChunk, ChunkStatus


class Command(BaseCommand):
    help = __doc__

    def handle(self, *args, **options) -> None:
        cutoff = timezone.now() - timedelta(days=settings.HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS)
        now = timezone.now()
        emptied = AppleHealthImportChunk.objects.filter(
            status=ChunkStatus.SUCCEEDED, finished_at__lt=cutoff, payload_cleared_at__isnull=True
        ).update(payload=EMPTIED, payload_cleared_at=now, updated_at=now)
        self.stdout.write(f"emptied the payloads of {emptied} chunks")
