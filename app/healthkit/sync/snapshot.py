"""A sample as readers see it (GET /api/v1/samples, the changes feed): one plain mapping."""

from datetime import datetime, timedelta, timezone
from functools import lru_cache

#: the sample fields readers get, in order
SNAPSHOT_FIELDS = (
    "id", "type", "recognized", "value", "unit", "canonical_value", "canonical_unit", "start", "end",
    "start_offset", "end_offset", "time_zone", "source_name", "source_bundle_id", "device", "metadata",
    "uuid", "sync_identifier", "sync_version", "workout_activity_type", "correlation", "updated_at",
)  # fmt: skip


@lru_cache(maxsize=256)
def _zone(offset_seconds: int) -> timezone:
    return timezone(timedelta(seconds=offset_seconds))


def local_isoformat(moment: datetime, offset_seconds: int | None) -> str:
    """`moment` written with the offset it was sent with (UTC when unknown)."""
    return moment.astimezone(_zone(offset_seconds or 0)).isoformat().replace("+00:00", "Z")


def utc_isoformat(moment: datetime) -> str:
    return moment.isoformat().replace("+00:00", "Z")


#: the row attributes a snapshot reads (healthkit.sync.plan.CONTENT_FIELDS but the fingerprint)
_READ_FIELDS = (
    "type", "recognized", "value", "unit", "canonical_value", "canonical_unit", "start_at", "end_at",
    "start_offset", "end_offset", "time_zone", "source_name", "source_bundle_id", "device", "metadata",
    "healthkit_uuid", "sync_identifier", "sync_version", "workout_activity_type", "correlation_type", "correlation_id",
)  # fmt: skip


def sample_snapshot(row) -> dict:
    """The reader's view of a HealthSample (or any object with its attributes)."""
    content = {name: getattr(row, name) for name in _READ_FIELDS}
    return content_snapshot(content, id=row.id, updated_at=utc_isoformat(row.updated_at))


def content_snapshot(content: dict, *, id: int, updated_at: str) -> dict:
    """The reader's view of a row's content (keys: healthkit.sync.plan.CONTENT_FIELDS); `updated_at` written already."""
    uuid = content["healthkit_uuid"]
    return {
        "id": id,
        "type": content["type"],
        "recognized": content["recognized"],
        "value": content["value"],
        "unit": content["unit"],
        "canonical_value": content["canonical_value"],
        "canonical_unit": content["canonical_unit"],
        "start": local_isoformat(content["start_at"], content["start_offset"]),
        "end": local_isoformat(content["end_at"], content["end_offset"]),
        "start_offset": content["start_offset"],
        "end_offset": content["end_offset"],
        "time_zone": content["time_zone"],
        "source_name": content["source_name"],
        "source_bundle_id": content["source_bundle_id"],
        "device": content["device"],
        "metadata": content["metadata"],
        "uuid": str(uuid).upper() if uuid else None,
        "sync_identifier": content["sync_identifier"],
        "sync_version": content["sync_version"],
        "workout_activity_type": content["workout_activity_type"],
        "correlation": {"type": content["correlation_type"], "id": content["correlation_id"]}
        if content["correlation_type"]
        else None,
        "updated_at": updated_at,
    }
