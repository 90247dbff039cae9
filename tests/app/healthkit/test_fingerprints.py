import hashlib
import json

import pytest

from healthkit.fingerprints import sample_fingerprint
from healthkit.validation import ImportLimits, sample_parse

from localservices.samples import heart_rate_sample
from tests.support.samples import parsed_samples

LIMITS = ImportLimits(max_samples=10, metadata_max_keys=10, metadata_max_bytes=1024)


def _fingerprint(owner_id: int = 1, **overrides) -> str:
    sample, problems = sample_parse(heart_rate_sample(**overrides), limits=LIMITS)
    assert problems == []
    return sample_fingerprint(owner_id=owner_id, sample=sample)


def test_the_same_instant_written_with_another_offset_is_the_same_sample():
    utc = _fingerprint(start="2024-03-10T09:30:00Z", end="2024-03-10T09:30:00Z")
    pacific = _fingerprint(start="2024-03-10T01:30:00-08:00", end="2024-03-10T01:30:00-08:00")
    assert utc == pacific


def test_an_integer_value_and_the_same_float_are_the_same_sample():
    assert _fingerprint(value=72) == _fingerprint(value=72.0)


def test_another_owner_makes_another_fingerprint():
    assert _fingerprint(owner_id=1) != _fingerprint(owner_id=2)


def test_each_identifying_field_changes_the_fingerprint():
    base = _fingerprint()
    variants = [
        _fingerprint(type="HKQuantityTypeIdentifierRestingHeartRate"),
        _fingerprint(value=73.0),
        _fingerprint(start="2024-03-10T09:29:00Z"),
        _fingerprint(end="2024-03-10T09:31:00Z"),
    ]
    assert base not in variants
    assert len(set(variants)) == len(variants)


def test_the_same_heart_rate_in_count_per_minute_and_count_per_second_is_the_same_sample():
    assert _fingerprint(value=72, unit="count/min") == _fingerprint(value=1.2, unit="count/s")
    assert _fingerprint(value=72, unit="bpm") == _fingerprint(value=72, unit="count/min")


def test_the_bundle_id_does_not_change_the_fingerprint_so_a_backfill_and_a_live_sync_are_one_sample():
    assert _fingerprint(source_bundle_id="com.apple.health.8C3B") == _fingerprint(source_bundle_id=None)


def test_descriptive_fields_do_not_change_the_fingerprint():
    assert _fingerprint() == _fingerprint(
        source_name="Another name", device="iPhone", metadata={"x": 1}, uuid="0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E10"
    )


def test_a_fingerprint_is_a_sha256_hex_digest():
    fingerprint = _fingerprint()
    assert len(fingerprint) == 64
    int(fingerprint, 16)


def test_the_version_2_recipe_never_changes_so_stored_fingerprints_keep_matching():
    (sample,) = parsed_samples([heart_rate_sample(0, value=72, unit="count/min")])
    canonical = (
        '[2,"7","HKQuantityTypeIdentifierHeartRate","1.2","count/s",'
        '"2024-03-10T09:30:00.000000+00:00","2024-03-10T09:30:00.000000+00:00",""]'
    )
    assert sample_fingerprint(owner_id=7, sample=sample) == hashlib.sha256(canonical.encode()).hexdigest()


@pytest.mark.parametrize(
    "text",
    ["HKQuantityTypeIdentifierHeartRate", "Zoë's \"Watch\" \\ 心拍", "".join(chr(i) for i in range(32)) + "\x7f\u2028\ufeff😀"],
)
def test_the_hashed_bytes_are_the_standard_librarys_compact_json_so_stored_fingerprints_still_match(text):
    """Fingerprints stored before orjson (json.dumps, compact, ensure_ascii=False) are the ones computed now."""
    from datetime import UTC, datetime

    from healthkit.fingerprints import FINGERPRINT_VERSION, content_fingerprint

    start, end = datetime(2024, 3, 10, 9, 30, 0, 250, tzinfo=UTC), datetime(2024, 3, 10, 9, 31, tzinfo=UTC)
    identity = [
        FINGERPRINT_VERSION, "7", text, repr(72.5), text, start.isoformat(timespec="microseconds"),
        end.isoformat(timespec="microseconds"), text,
    ]  # fmt: skip
    expected = hashlib.sha256(json.dumps(identity, separators=(",", ":"), ensure_ascii=False).encode()).hexdigest()
    found = content_fingerprint(
        owner_id=7, type=text, canonical_value=72.5, canonical_unit=text, start=start, end=end, workout_activity_type=text
    )
    assert found == expected
