"""Checks of a sample's content against the HealthKit catalogue: value and unit by type, time zone, sync keys.

healthkit.validation calls these for every sample (API and worker alike); each adds its problems
to the sample's error list and returns what it parsed.
"""

import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from healthkit import errors
from healthkit.catalogue import CORRELATION_MEMBERS, category_values, quantity_types
from healthkit.healthkit_types import SampleKind
from healthkit.units import UnitError, canonical_round, converter

#: HealthKit's metadata keys this service reads
SYNC_IDENTIFIER_KEY = "HKMetadataKeySyncIdentifier"
SYNC_VERSION_KEY = "HKMetadataKeySyncVersion"
TIME_ZONE_KEY = "HKTimeZone"
#: a workout's duration is stored in seconds (HKWorkout.duration is an NSTimeInterval)
WORKOUT_CANONICAL_UNIT = "s"
MAX_SYNC_IDENTIFIER_LENGTH = 255
MAX_SYNC_VERSION = 2**63 - 1
MAX_CORRELATION_ID_LENGTH = 64
_TIME_ZONE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_+\-]*(?:/[A-Za-z0-9_+\-]+){0,2}$")


@dataclass(frozen=True, slots=True)
class Measurement:
    """A value in its original unit and in the type's canonical unit."""

    canonical_value: float
    canonical_unit: str


def _accepted_units(canonical_unit: str) -> str:
    return errors.UNIT_EXAMPLES.get(canonical_unit, canonical_unit)


def measurement_check(kind, type_identifier: str, value: float | None, unit: str, problems) -> Measurement | None:
    """The canonical value of a quantity, workout, category or unrecognized sample (errors added to problems)."""
    if value is None or kind is None:
        return None
    if kind is SampleKind.CATEGORY:
        return _category_check(type_identifier, value, problems)
    if kind is SampleKind.UNRECOGNIZED:
        return Measurement(canonical_round(value), unit)
    canonical_unit = (
        WORKOUT_CANONICAL_UNIT if kind is SampleKind.WORKOUT else quantity_types()[type_identifier].canonical_unit
    )
    if not unit:
        return None  # the missing unit is reported by the unit check
    try:
        convert = converter(unit, canonical_unit)
    except UnitError as exc:
        problems.add(
            "unit",
            errors.UNIT_INCOMPATIBLE.format(
                unit=unit, type=type_identifier, reason=exc, accepted=_accepted_units(canonical_unit)
            ),
        )
        return None
    canonical_value = convert(value)
    if not math.isfinite(canonical_value):
        problems.add("value", errors.VALUE_NOT_NUMBER.format(kind="a number out of range in the canonical unit"))
        return None
    return Measurement(canonical_value, canonical_unit)


def _category_check(type_identifier: str, value: float, problems) -> Measurement | None:
    allowed = category_values(type_identifier)
    if not value.is_integer() or int(value) not in allowed:
        problems.add(
            "value",
            errors.CATEGORY_VALUE_INVALID.format(type=type_identifier, allowed=", ".join(map(str, sorted(allowed)))),
        )
        return None
    return Measurement(float(int(value)), "")


def offset_seconds(moment: datetime | None) -> int:
    return int(moment.utcoffset().total_seconds()) if moment is not None else 0


@dataclass(frozen=True, slots=True)
class SyncKeys:
    identifier: str | None = None
    version: int | None = None
    time_zone: str = ""


def metadata_keys_check(metadata: dict, problems) -> SyncKeys:
    """HKMetadataKeySyncIdentifier/SyncVersion (both or neither) and HKTimeZone, when present."""
    identifier, version = metadata.get(SYNC_IDENTIFIER_KEY), metadata.get(SYNC_VERSION_KEY)
    time_zone = metadata.get(TIME_ZONE_KEY, "")
    if time_zone and not (isinstance(time_zone, str) and len(time_zone) <= 64 and _TIME_ZONE_NAME.match(time_zone)):
        problems.add(f"metadata.{TIME_ZONE_KEY}", errors.TIME_ZONE_INVALID)
        time_zone = ""
    if identifier is None and version is None:
        return SyncKeys(time_zone=time_zone)
    if not isinstance(identifier, str) or not identifier or len(identifier) > MAX_SYNC_IDENTIFIER_LENGTH:
        problems.add(f"metadata.{SYNC_IDENTIFIER_KEY}", errors.SYNC_IDENTIFIER_INVALID)
        return SyncKeys(time_zone=time_zone)
    parsed_version = sync_version_parse(version)
    if parsed_version is None:
        problems.add(f"metadata.{SYNC_VERSION_KEY}", errors.SYNC_VERSION_INVALID)
        return SyncKeys(time_zone=time_zone)
    return SyncKeys(identifier=identifier, version=parsed_version, time_zone=time_zone)


def sync_version_parse(raw: Any) -> int | None:
    """An integer >= 0 (a JSON integer, or its decimal string as exports write metadata)."""
    if isinstance(raw, bool):
        return None
    if isinstance(raw, float) and raw.is_integer():
        raw = int(raw)
    if isinstance(raw, str) and raw.isascii() and raw.isdigit():
        raw = int(raw)
    return raw if isinstance(raw, int) and 0 <= raw <= MAX_SYNC_VERSION else None


def correlation_check(raw: Any, type_identifier: Any, problems) -> tuple[str, str]:
    """(correlation type, correlation id) of a sample that is part of a correlation, ("", "") when it is not."""
    if raw is None:
        return "", ""
    if not isinstance(raw, dict) or set(raw) != {"type", "id"}:
        problems.add("correlation", errors.CORRELATION_SHAPE)
        return "", ""
    members = CORRELATION_MEMBERS.get(raw["type"]) if isinstance(raw["type"], str) else None
    if members is None:
        problems.add("correlation.type", errors.CORRELATION_TYPE_UNKNOWN.format(value=raw["type"]))
        return "", ""
    if type_identifier not in members:
        problems.add(
            "correlation.type",
            errors.CORRELATION_MEMBER_INVALID.format(correlation=raw["type"], members=", ".join(sorted(members))),
        )
        return "", ""
    identifier = raw["id"]
    if not isinstance(identifier, str) or not identifier.strip() or len(identifier) > MAX_CORRELATION_ID_LENGTH:
        problems.add("correlation.id", errors.STRING_REQUIRED)
        return "", ""
    return raw["type"], identifier
