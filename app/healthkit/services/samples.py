"""Applying samples and deletions to an owner's stored samples (the chunk task's write).

Each item becomes a write with a position (batch sequence, item index); healthkit.sync.plan
decides, per identity (uuid, sync identifier, content fingerprint), what the writes change;
healthkit.sync.store loads and saves it with bulk statements under the owner's advisory lock.
docs/sync-protocol.md has the rules.
"""

from collections.abc import Sequence
from uuid import UUID

from healthkit.fingerprints import sample_fingerprint
from healthkit.samples_in import DeletionIn, SampleIn
from healthkit.sync.plan import CONTENT_FIELDS, Counts, DeleteWrite, SampleWrite
from healthkit.sync.positions import position_of
from healthkit.sync.store import writes_apply

#: the HealthSample fields a parsed sample fills (its content; `fingerprint` included)
SAMPLE_FIELDS = CONTENT_FIELDS


def sample_fields(sample: SampleIn, *, owner_id: int) -> dict:
    """The HealthSample field values of a parsed sample, keyed by SAMPLE_FIELDS."""
    return {
        "type": sample.type,
        "recognized": sample.recognized,
        "value": sample.value,
        "unit": sample.unit,
        "canonical_value": sample.canonical_value,
        "canonical_unit": sample.canonical_unit,
        "start_at": sample.start,
        "end_at": sample.end,
        "start_offset": sample.start_offset,
        "end_offset": sample.end_offset,
        "time_zone": sample.time_zone,
        "source_name": sample.source_name,
        "source_bundle_id": sample.source_bundle_id,
        "device": sample.device,
        "metadata": sample.metadata,
        "healthkit_uuid": sample.uuid,
        "sync_identifier": sample.sync_identifier,
        "sync_version": sample.sync_version,
        "workout_activity_type": sample.workout_activity_type,
        "correlation_type": sample.correlation_type,
        "correlation_id": sample.correlation_id,
        "fingerprint": sample_fingerprint(owner_id=owner_id, sample=sample),
    }


def items_apply(
    *, owner_id: int, items: Sequence[SampleIn | DeletionIn], sequence: int, first_index: int = 0, batch_id: UUID | None = None
) -> Counts:
    """Apply a chunk's items (item i has position (sequence, first_index + i)); what they did."""
    writes = [
        DeleteWrite(uuid=item.uuid, position=position_of(sequence, first_index + index))
        if isinstance(item, DeletionIn)
        else SampleWrite(content=sample_fields(item, owner_id=owner_id), position=position_of(sequence, first_index + index))
        for index, item in enumerate(items)
    ]
    return writes_apply(owner_id=owner_id, batch_id=batch_id, writes=writes)


def samples_upsert(*, owner_id: int, samples: Sequence[SampleIn], batch_id: UUID | None = None, sequence: int = 0) -> int:
    """Store samples outside a batch's flow (tests, tools); how many rows were created."""
    return items_apply(owner_id=owner_id, items=samples, sequence=sequence, batch_id=batch_id).created
