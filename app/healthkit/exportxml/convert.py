"""One export.xml element -> the samples an iOS client would send for it (dicts in this API's shape).

- `Record`: type, unit, value (a number, or a category case name such as
  `HKCategoryValueSleepAnalysisInBed`, or absent on category records such as MindfulSession:
  HKCategoryValueNotApplicable), `sourceName` (iOS 8: `source`), `device` (its per-record
  `<HKDevice: 0x…>` pointer dropped), start/end dates, `MetadataEntry` children as metadata;
  iOS 8 heart rates with `min`/`max`/`average` and no value: the average, min and max in metadata;
- `Workout`: HKWorkoutTypeIdentifier, value = `duration` in `durationUnit`, the activity type,
  totals (distance, energy) as metadata strings; routes and events are not samples;
- `Correlation`: its member Records, each with `correlation` {type, id}; exports carry no uuid,
  so the id is derived from the correlation's type, source and dates (stable across re-exports);
- anything else (ActivitySummary, Me, ExportDate...): no samples.
Exports carry no uuid and no bundle id: identity is the content fingerprint (docs/sync-protocol.md).
"""

import hashlib
import re
from datetime import datetime
from typing import Any

from healthkit.catalogue import WORKOUT_TYPE, category_case_values
from healthkit.exportxml.dates import export_datetime

_DEVICE_POINTER = re.compile(r"^<<HKDevice: 0x[0-9a-fA-F]+>,\s*(.*)>$")
NOT_APPLICABLE = "HKCategoryValueNotApplicable"


def _metadata(element) -> dict:
    return {entry.get("key"): entry.get("value") for entry in element.findall("MetadataEntry") if entry.get("key")}


def _device(raw: str | None) -> str | None:
    if not raw:
        return None
    match = _DEVICE_POINTER.match(raw)
    return match.group(1) if match else raw


def _value(raw: str | None, type_identifier: str) -> Any:
    if raw is None:
        return category_case_values()[NOT_APPLICABLE] if type_identifier.startswith("HKCategoryTypeIdentifier") else None
    if raw in category_case_values():
        return category_case_values()[raw]
    try:
        return float(raw)
    except ValueError:
        return raw  # left for the API's validation to name


def _common(element) -> dict:
    sample = {
        "start": export_datetime(element.get("startDate")),
        "end": export_datetime(element.get("endDate")),
        "source_name": element.get("sourceName") or element.get("source"),
    }
    device = _device(element.get("device"))
    if device:
        sample["device"] = device
    return sample


def record_sample(element) -> dict:
    type_identifier = element.get("type", "")
    metadata = _metadata(element)
    raw_value = element.get("value")
    if raw_value is None and element.get("average") is not None:  # iOS 8 heart rate: min/max/average
        raw_value = element.get("average")
        metadata |= {f"HKExport{key.title()}": element.get(key) for key in ("min", "max") if element.get(key)}
    sample = {"type": type_identifier, "value": _value(raw_value, type_identifier), **_common(element)}
    if element.get("unit"):
        sample["unit"] = element.get("unit")
    if metadata:
        sample["metadata"] = metadata
    return sample


def workout_sample(element) -> dict:
    metadata = _metadata(element)
    for total in ("totalDistance", "totalEnergyBurned", "totalSwimmingStrokeCount", "totalFlightsClimbed"):
        if element.get(total):
            metadata[f"HKExport{total[0].upper()}{total[1:]}"] = f"{element.get(total)} {element.get(total + 'Unit', '')}".strip()
    sample = {
        "type": WORKOUT_TYPE,
        "value": _value(element.get("duration"), WORKOUT_TYPE),
        "unit": element.get("durationUnit"),
        "workout_activity_type": element.get("workoutActivityType"),
        **_common(element),
    }
    if sample["value"] is None:  # newer exports may leave duration out: the interval is the duration
        start, end = datetime.fromisoformat(sample["start"]), datetime.fromisoformat(sample["end"])
        sample["value"], sample["unit"] = (end - start).total_seconds(), "s"
    if metadata:
        sample["metadata"] = metadata
    return sample


def correlation_id(element) -> str:
    """A stable id for a correlation without uuid: its type, source and dates."""
    parts = [element.get("type"), element.get("sourceName") or element.get("source"), element.get("startDate"), element.get("endDate")]
    return hashlib.sha256("\x1f".join(part or "" for part in parts).encode()).hexdigest()[:32]


def correlation_samples(element) -> list[dict]:
    pairing = {"type": element.get("type"), "id": correlation_id(element)}
    return [record_sample(record) | {"correlation": pairing} for record in element.findall("Record")]


def element_samples(element) -> list[dict]:
    """The samples of one top-level export.xml element (none for elements that hold no samples)."""
    if element.tag == "Record":
        return [record_sample(element)]
    if element.tag == "Workout":
        return [workout_sample(element)]
    if element.tag == "Correlation":
        return correlation_samples(element)
    return []
