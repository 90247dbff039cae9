"""Rows stored before sync identity (migration 0003): their canonical value, sync keys and fingerprint.

Used by the data migration only: old rows kept the value and unit as sent and no offsets.
"""

from healthkit.catalogue import quantity_types
from healthkit.fingerprints import content_fingerprint
from healthkit.healthkit_types import SampleKind, sample_kind
from healthkit.sample_checks import SYNC_IDENTIFIER_KEY, SYNC_VERSION_KEY, WORKOUT_CANONICAL_UNIT, sync_version_parse
from healthkit.units import UnitError, canonical_round, converter


def legacy_canonical(type_identifier: str, value: float, unit: str) -> tuple[float, str]:
    """(canonical value, canonical unit); a unit that cannot express the type keeps value and unit as they are."""
    kind = sample_kind(type_identifier)
    if kind is SampleKind.CATEGORY:
        return float(value), ""
    target = {SampleKind.QUANTITY: lambda: quantity_types()[type_identifier].canonical_unit}.get(
        kind, lambda: WORKOUT_CANONICAL_UNIT if kind is SampleKind.WORKOUT else None
    )()
    if target is None or not unit:
        return canonical_round(value), unit
    try:
        return converter(unit, target)(value), target
    except UnitError:
        return canonical_round(value), unit


def legacy_sync_keys(metadata) -> tuple[str | None, int | None]:
    if not isinstance(metadata, dict):
        return None, None
    identifier, version = metadata.get(SYNC_IDENTIFIER_KEY), sync_version_parse(metadata.get(SYNC_VERSION_KEY))
    if isinstance(identifier, str) and identifier and len(identifier) <= 255 and version is not None:
        return identifier, version
    return None, None


def legacy_fields(row) -> dict:
    """The new columns of an old row (row: the historical HealthSample)."""
    canonical_value, canonical_unit = legacy_canonical(row.type, row.value, row.unit)
    sync_identifier, sync_version = legacy_sync_keys(row.metadata)
    return {
        "canonical_value": canonical_value,
        "canonical_unit": canonical_unit,
        "sync_identifier": sync_identifier,
        "sync_version": sync_version,
        "recognized": sample_kind(row.type) not in (None, SampleKind.UNRECOGNIZED),
        "fingerprint": content_fingerprint(
            owner_id=row.owner_id,
            type=row.type,
            canonical_value=canonical_value,
            canonical_unit=canonical_unit,
            start=row.start_at,
            end=row.end_at,
            workout_activity_type=row.workout_activity_type,
        ),
    }
