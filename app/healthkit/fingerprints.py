"""The content identity of a sample: what makes two uploads without a HealthKit uuid "the same sample".

Version 2 covers the owner, the type, the value in the type's CANONICAL unit (so 72 count/min and
1.2 count/s agree), the canonical unit, a workout's activity type, and start and end as UTC
instants (so the offset they were written with does not matter). It leaves out the unit
spelling, the source bundle id (exports have none) and the metadata. docs/sync-protocol.md says
when it is used: samples with a uuid or a sync identifier are identified by those first.
"""

import hashlib
from datetime import UTC, datetime

import orjson

from healthkit.units import canonical_round

#: bump when the recipe changes (a data migration recomputes stored rows)
FINGERPRINT_VERSION = 2
#: writes what json.dumps(..., separators=(",", ":"), ensure_ascii=False) writes for the identity
#: list (ints and strings only), byte for byte (tests/app/healthkit/test_fingerprints.py), faster
_canonical_json = orjson.dumps


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def content_fingerprint(
    *,
    owner_id: int,
    type: str,
    canonical_value: float,
    canonical_unit: str,
    start: datetime,
    end: datetime,
    workout_activity_type: str = "",
) -> str:
    """SHA-256 (hex) of a sample's identifying content."""
    identity = [
        FINGERPRINT_VERSION,
        str(owner_id),
        type,
        repr(canonical_round(float(canonical_value))),
        canonical_unit,
        _instant(start),
        _instant(end),
        workout_activity_type,
    ]
    return hashlib.sha256(_canonical_json(identity)).hexdigest()


def sample_fingerprint(*, owner_id: int, sample) -> str:
    """The fingerprint of a parsed sample (healthkit.samples_in.SampleIn)."""
    return content_fingerprint(
        owner_id=owner_id,
        type=sample.type,
        canonical_value=sample.canonical_value,
        canonical_unit=sample.canonical_unit,
        start=sample.start,
        end=sample.end,
        workout_activity_type=sample.workout_activity_type,
    )
