"""What a valid import request holds: samples, deletions (parsed by healthkit.validation)."""

from dataclasses import dataclass, field
from datetime import datetime

from healthkit.sample_checks import offset_seconds

@dataclass(frozen=True, slots=True)
class SampleIn:
    """One valid sample; `start`/`end` are aware and keep the offset they were written with."""

    type: str
    value: float
    start: datetime
    end: datetime
    source_name: str
    source_bundle_id: str = ""
    unit: str = ""
    device: str = ""
    metadata: dict = field(default_factory=dict)
    uuid: str | None = None
    workout_activity_type: str = ""
    correlation_type: str = ""
    correlation_id: str = ""
    # derived (not sent): the value in the type's canonical unit, time zone and sync keys
    canonical_value: float = 0.0
    canonical_unit: str = ""
    recognized: bool = True
    time_zone: str = ""
    sync_identifier: str | None = None
    sync_version: int | None = None

    @property
    def start_offset(self) -> int:
        """Seconds east of UTC of `start` as written."""
        return offset_seconds(self.start)

    @property
    def end_offset(self) -> int:
        return offset_seconds(self.end)

    def to_payload(self) -> dict:
        """The JSON form stored on a chunk (optional fields only when set)."""
        payload = {
            "type": self.type,
            "value": self.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "source_name": self.source_name,
        }
        optional = {
            "source_bundle_id": self.source_bundle_id,
            "unit": self.unit,
            "device": self.device,
            "metadata": self.metadata,
            "uuid": self.uuid,
            "workout_activity_type": self.workout_activity_type,
            "correlation": {"type": self.correlation_type, "id": self.correlation_id} if self.correlation_type else None,
        }
        payload.update({key: value for key, value in optional.items() if value})
        return payload

    def to_content(self) -> dict:
        """The HealthSample content it gives (healthkit.sync.plan.CONTENT_FIELDS but the fingerprint)."""
        return {
            "type": self.type,
            "recognized": self.recognized,
            "value": self.value,
            "unit": self.unit,
            "canonical_value": self.canonical_value,
            "canonical_unit": self.canonical_unit,
            "start_at": self.start,
            "end_at": self.end,
            "start_offset": offset_seconds(self.start),
            "end_offset": offset_seconds(self.end),
            "time_zone": self.time_zone,
            "source_name": self.source_name,
            "source_bundle_id": self.source_bundle_id,
            "device": self.device,
            "metadata": self.metadata,
            "healthkit_uuid": self.uuid,
            "sync_identifier": self.sync_identifier,
            "sync_version": self.sync_version,
            "workout_activity_type": self.workout_activity_type,
            "correlation_type": self.correlation_type,
            "correlation_id": self.correlation_id,
        }


@dataclass(frozen=True, slots=True)
class DeletionIn:
    """A HealthKit object deleted on the device (HKDeletedObject), by its UUID."""

    uuid: str

    def to_payload(self) -> dict:
        return {DELETION_KEY: self.uuid}


#: how a deletion is stored among a chunk's items
DELETION_KEY = "delete"


@dataclass(frozen=True, slots=True)
class ImportRequest:
    """A parsed POST /api/v1/imports body: samples first, then deletions (their positions follow that order)."""

    samples: list[SampleIn]
    deletions: list[DeletionIn] = field(default_factory=list)
    #: errors of the samples left out (on_invalid=skip)
    rejected: list[dict] = field(default_factory=list)

    @property
    def items(self) -> list:
        return [*self.samples, *self.deletions]


