"""Applying samples and deletions to an owner's stored samples (the chunk task's write).

Each item becomes a write with a position (batch sequence, item index); healthkit.sync.plan
decides, per identity (uuid, sync identifier, content fingerprint), what the writes change;
healthkit.sync.store loads and saves it with bulk statements under the owner's advisory lock.
docs/sync-protocol.md has the rules.
"""

from collections.abc import Sequence
from uuid import UUID

from healthkit.fingerprints import content_fingerprint
from healthkit.samples_in import DeletionIn, SampleIn
from healthkit.sync.plan import CONTENT_FIELDS, Counts, DeleteWrite, SampleWrite
from healthkit.sync.positions import position_of
from healthkit.sync.store import writes_apply

#: the HealthSample fields a parsed sample fills (its content; `fingerprint` included)
SAMPLE_FIELDS = CONTENT_FIELDS


def content_fingerprinted(content: dict, *, owner_id: int) -> dict:
    """`content` (SampleIn.to_content's keys) with its `fingerprint` (the dict itself, completed)."""
    content["fingerprint"] = content_fingerprint(
        owner_id=owner_id,
        type=content["type"],
        canonical_value=content["canonical_value"],
        canonical_unit=content["canonical_unit"],
        start=content["start_at"],
        end=content["end_at"],
        workout_activity_type=content["workout_activity_type"],
    )
    return content


def sample_fields(sample: SampleIn, *, owner_id: int) -> dict:
    """The HealthSample field values of a parsed sample, keyed by SAMPLE_FIELDS."""
    return content_fingerprinted(sample.to_content(), owner_id=owner_id)


def items_apply(
    *,
    owner_id: int,
    items: Sequence[SampleIn | dict | DeletionIn],
    sequence: int,
    first_index: int = 0,
    batch_id: UUID | None = None,
) -> Counts:
    """Apply a chunk's items (item i has position (sequence, first_index + i)); what they did.

    A sample is a SampleIn or its content (SampleIn.to_content's keys, as healthkit.chunk_payload reads
    it): a content that has its `fingerprint` (stored by the api, under the payload's MAC) keeps it,
    the others are fingerprinted here.
    """
    writes = []
    for index, item in enumerate(items, start=first_index):
        position = position_of(sequence, index)
        if isinstance(item, DeletionIn):
            writes.append(DeleteWrite(uuid=item.uuid, position=position))
            continue
        content = item.to_content() if isinstance(item, SampleIn) else item
        if "fingerprint" not in content:
            content_fingerprinted(content, owner_id=owner_id)
        writes.append(SampleWrite(content=content, position=position))
    return writes_apply(owner_id=owner_id, batch_id=batch_id, writes=writes)


def samples_upsert(*, owner_id: int, samples: Sequence[SampleIn], batch_id: UUID | None = None, sequence: int = 0) -> int:
    """Store samples outside a batch's flow (tests, tools); how many rows were created."""
    return items_apply(owner_id=owner_id, items=samples, sequence=sequence, batch_id=batch_id).created
