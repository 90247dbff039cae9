"""The identity of a sample: what makes two uploads "the same sample".

The fingerprint covers the owner, type, value, unit, start and end as UTC instants, and
the source bundle id (docs/runtime-contract.md, DESIGN.md). The same instant written with
another offset is the same sample; so is 72 written as 72.0.
"""

import hashlib
import json
from datetime import UTC, datetime

from healthkit.validation import SampleIn

#: bump when the recipe changes (old rows keep their old fingerprints)
FINGERPRINT_VERSION = 1
#: json.dumps(..., separators=(",", ":"), ensure_ascii=False), without building an encoder per call
_canonical_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="microseconds")


def sample_fingerprint(*, owner_id: int, sample: SampleIn) -> str:
    """SHA-256 (hex) of the sample's identifying content."""
    identity = [
        FINGERPRINT_VERSION,
        str(owner_id),
        sample.type,
        repr(float(sample.value)),
        sample.unit,
        _instant(sample.start),
        _instant(sample.end),
        sample.source_bundle_id,
    ]
    canonical = _canonical_json(identity)
    return hashlib.sha256(canonical.encode()).hexdigest()
