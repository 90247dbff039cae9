"""A sample as readers see it (GET /api/v1/samples, the changes feed): one plain mapping."""

from datetime import datetime, timedelta, timezone
from functools import lru_cache


@lru_cache(maxsize=256)
def _zone(offset_seconds: int) -> timezone:
    return timezone(timedelta(seconds=offset_seconds))


def local_isoformat(moment: datetime, offset_seconds: int | None) -> str:
    """`moment` written with the offset it was sent with (UTC when unknown)."""
    return moment.astimezone(_zone(offset_seconds or 0)).isoformat().replace("+00:00", "Z")


def utc_isoformat(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


def sample_snapshot(row) -> dict:
    """The reader's view of a HealthSample (or any object with its attributes)."""
    uuid = row.healthkit_uuid
    return {
        "id": row.id,
        "type": row.type,
        "recognized": row.recognized,
        "value": row.value,
        "unit": row.unit,
        "canonical_value": row.canonical_value,
        "canonical_unit": row.canonical_unit,
        "start": local_isoformat(row.start_at, row.start_offset),
        "end": local_isoformat(row.end_at, row.end_offset),
        "start_offset": row.start_offset,
        "end_offset": row.end_offset,
        "time_zone": row.time_zone,
        "source_name": row.source_name,
        "source_bundle_id": row.source_bundle_id,
        "device": row.device,
        "metadata": row.metadata,
        "uuid": str(uuid).upper() if uuid else None,
        "sync_identifier": row.sync_identifier,
        "sync_version": row.sync_version,
        "workout_activity_type": row.workout_activity_type,
        "correlation": {"type": row.correlation_type, "id": row.correlation_id} if row.correlation_type else None,
        "updated_at": utc_isoformat(row.updated_at),
    }
