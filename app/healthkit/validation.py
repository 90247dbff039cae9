"""Validation of import requests: every sample is checked, every problem is reported.

Plain functions rather than DRF serializers: a request holds thousands of samples, and the
answer must point at each bad one (`{"index", "field", "message"}`). The worker re-parses a
chunk's stored payload with the same `sample_parse`, so both sides agree on what a sample is.
"""

import json
import math
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from django.conf import settings

from healthkit import errors
from healthkit.healthkit_types import TIME_UNITS, WORKOUT_ACTIVITY_TYPES, SampleKind, sample_kind
from healthkit.jsonbody import json_body_decode
from healthkit.storable import document_storage_problems, sample_storage_problems

#: at most this many errors are listed in one 400 answer
MAX_LISTED_ERRORS = 100

MAX_TYPE_LENGTH = 100
MAX_UNIT_LENGTH = 64
MAX_TEXT_LENGTH = 255

REQUIRED_FIELDS = ("type", "value", "start", "end", "source_name", "source_bundle_id")
OPTIONAL_FIELDS = ("unit", "uuid", "device", "metadata", "workout_activity_type")
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)


@dataclass(frozen=True, slots=True)
class SampleIn:
    """One valid sample; date-times are aware and in UTC."""

    type: str
    value: float
    start: datetime
    end: datetime
    source_name: str
    source_bundle_id: str
    unit: str = ""
    device: str = ""
    metadata: dict = field(default_factory=dict)
    uuid: str | None = None
    workout_activity_type: str = ""

    def to_payload(self) -> dict:
        """The JSON form stored on a chunk (optional fields only when set)."""
        payload = {
            "type": self.type,
            "value": self.value,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "source_name": self.source_name,
            "source_bundle_id": self.source_bundle_id,
        }
        optional = {
            "unit": self.unit,
            "device": self.device,
            "metadata": self.metadata,
            "uuid": self.uuid,
            "workout_activity_type": self.workout_activity_type,
        }
        payload.update({key: value for key, value in optional.items() if value})
        return payload


@dataclass(frozen=True, slots=True)
class ImportLimits:
    max_samples: int
    metadata_max_keys: int
    metadata_max_bytes: int


def import_limits() -> ImportLimits:
    """The limits in force, from settings."""
    return ImportLimits(
        max_samples=settings.HEALTHKIT_IMPORT_MAX_SAMPLES,
        metadata_max_keys=settings.HEALTHKIT_METADATA_MAX_KEYS,
        metadata_max_bytes=settings.HEALTHKIT_METADATA_MAX_BYTES,
    )


class _SampleErrors:
    """Errors of one sample, in the API's shape."""

    def __init__(self, index: int | None) -> None:
        self.index = index
        self.items: list[dict] = []

    def add(self, field_name: str, message: str) -> None:
        error = {"field": field_name, "message": message}
        if self.index is not None:
            error = {"index": self.index, **error}
        self.items.append(error)


def _invalid(items: list[dict]) -> errors.ApplicationError:
    return errors.ApplicationError(errors.INVALID_IMPORT, errors=items)


def _request_error(field_name: str, message: str) -> errors.ApplicationError:
    return _invalid([{"field": field_name, "message": message}])


def import_body_parse(*, body: bytes, limits: ImportLimits | None = None) -> list[SampleIn]:
    """Parse and validate a POST /api/v1/imports body; raise ApplicationError listing every problem."""
    return import_document_parse(json_body_decode(body), limits=limits)


def import_document_parse(document: Any, *, limits: ImportLimits | None = None) -> list[SampleIn]:
    """Validate a decoded POST /api/v1/imports body (healthkit.jsonbody); ApplicationError lists every problem."""
    limits = limits or import_limits()
    raw_samples = _samples_field(document, limits=limits)
    samples: list[SampleIn] = []
    problems: list[dict] = []
    for index, raw in enumerate(raw_samples):
        sample_errors = sample_storage_problems(raw, index=index)
        if not sample_errors:
            sample, sample_errors = sample_parse(raw, index=index, limits=limits)
        if sample_errors:
            problems.extend(sample_errors)
        else:
            samples.append(sample)
    if problems:
        raise _invalid(_capped(problems))
    return samples


def _samples_field(document: Any, *, limits: ImportLimits) -> list:
    if not isinstance(document, dict):
        raise _request_error("body", errors.BODY_NOT_OBJECT)
    repeated = document_storage_problems(document)
    if repeated:
        raise _invalid(repeated)
    unknown = sorted(set(document) - {"samples"})
    if unknown:
        raise _invalid([{"field": name, "message": errors.UNKNOWN_TOP_LEVEL_FIELD} for name in unknown])
    if "samples" not in document:
        raise _request_error("samples", errors.SAMPLES_MISSING)
    samples = document["samples"]
    if not isinstance(samples, list):
        raise _request_error("samples", errors.SAMPLES_NOT_LIST)
    if not samples:
        raise _request_error("samples", errors.SAMPLES_EMPTY)
    if len(samples) > limits.max_samples:
        raise _request_error("samples", errors.TOO_MANY_SAMPLES.format(count=len(samples), limit=limits.max_samples))
    return samples


def _capped(problems: list[dict]) -> list[dict]:
    if len(problems) <= MAX_LISTED_ERRORS:
        return problems
    note = {"message": errors.TOO_MANY_ERRORS.format(limit=MAX_LISTED_ERRORS)}
    return problems[:MAX_LISTED_ERRORS] + [note]


def sample_parse(
    raw: Any, *, index: int | None = None, limits: ImportLimits | None = None
) -> tuple[SampleIn | None, list[dict]]:
    """Validate one sample: (the sample, []) or (None, its errors)."""
    limits = limits or import_limits()
    problems = _SampleErrors(index)
    if not isinstance(raw, dict):
        problems.add("sample", errors.SAMPLE_NOT_OBJECT)
        return None, problems.items
    for name in sorted(set(raw) - KNOWN_FIELDS):
        problems.add(name, errors.FIELD_UNKNOWN)
    for name in REQUIRED_FIELDS:
        if raw.get(name) is None:
            problems.add(name, errors.FIELD_REQUIRED)

    kind = _type_check(raw.get("type"), problems)
    value = _value_check(raw.get("value"), kind, problems)
    unit = _unit_check(raw.get("unit"), kind, problems)
    activity = _workout_activity_check(raw.get("workout_activity_type"), kind, problems)
    start = _datetime_check(raw.get("start"), "start", problems)
    end = _datetime_check(raw.get("end"), "end", problems)
    if start and end and end < start:
        problems.add("end", errors.END_BEFORE_START.format(start=raw["start"], end=raw["end"]))
    source_name = _text_check(raw.get("source_name"), "source_name", MAX_TEXT_LENGTH, problems)
    bundle_id = _text_check(raw.get("source_bundle_id"), "source_bundle_id", MAX_TEXT_LENGTH, problems)
    device = _optional_text_check(raw.get("device"), "device", problems)
    sample_uuid = _uuid_check(raw.get("uuid"), problems)
    metadata = _metadata_check(raw.get("metadata"), limits, problems)

    if problems.items:
        return None, problems.items
    sample = SampleIn(
        type=raw["type"],
        value=value,
        unit=unit,
        start=start,
        end=end,
        source_name=source_name,
        source_bundle_id=bundle_id,
        device=device,
        metadata=metadata,
        uuid=sample_uuid,
        workout_activity_type=activity,
    )
    return sample, []


def _type_check(raw: Any, problems: _SampleErrors) -> SampleKind | None:
    if raw is None:
        return None
    kind = sample_kind(raw) if isinstance(raw, str) else None
    if kind is None:
        problems.add("type", errors.TYPE_UNKNOWN.format(value=raw))
    return kind


def _value_check(raw: Any, kind: SampleKind | None, problems: _SampleErrors) -> float | None:
    if raw is None:
        return None
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        problems.add("value", errors.VALUE_NOT_NUMBER.format(kind=_json_kind(raw)))
        return None
    try:
        value = float(raw)
    except OverflowError:
        value = math.inf
    if not math.isfinite(value):
        problems.add("value", errors.VALUE_NOT_NUMBER.format(kind="a non-finite number"))
        return None
    if kind is SampleKind.CATEGORY and not value.is_integer():
        problems.add("value", errors.VALUE_NOT_INTEGER)
    if kind is SampleKind.WORKOUT and value < 0:
        problems.add("value", errors.VALUE_NEGATIVE)
    return value


def _json_kind(raw: Any) -> str:
    names = {bool: "a boolean", str: "a string", list: "a list", dict: "an object"}
    return names.get(type(raw), type(raw).__name__)


def _unit_check(raw: Any, kind: SampleKind | None, problems: _SampleErrors) -> str:
    if kind is SampleKind.CATEGORY:
        if raw is not None:
            problems.add("unit", errors.UNIT_FORBIDDEN)
        return ""
    if kind is SampleKind.QUANTITY and raw is None:
        problems.add("unit", errors.UNIT_REQUIRED)
        return ""
    if kind is SampleKind.WORKOUT and raw not in TIME_UNITS:
        problems.add("unit", errors.WORKOUT_UNIT_INVALID.format(units=", ".join(sorted(TIME_UNITS))))
        return ""
    if raw is None:
        return ""
    return _text_check(raw, "unit", MAX_UNIT_LENGTH, problems)


def _workout_activity_check(raw: Any, kind: SampleKind | None, problems: _SampleErrors) -> str:
    if kind is not SampleKind.WORKOUT:
        if raw is not None:
            problems.add("workout_activity_type", errors.WORKOUT_ACTIVITY_FORBIDDEN)
        return ""
    if raw is None:
        problems.add("workout_activity_type", errors.WORKOUT_ACTIVITY_REQUIRED)
        return ""
    if raw not in WORKOUT_ACTIVITY_TYPES:
        problems.add("workout_activity_type", errors.WORKOUT_ACTIVITY_UNKNOWN.format(value=raw))
        return ""
    return raw


def datetime_parse(raw: Any) -> datetime | None:
    """An ISO-8601 date-time with an offset or Z, in UTC; None when not one (naive included)."""
    if not isinstance(raw, str) or "T" not in raw.upper():
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    try:
        return parsed.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        return None


def datetime_out_of_range(raw: Any) -> bool:
    """True for an aware ISO-8601 date-time whose UTC instant falls outside years 1-9999."""
    try:
        parsed = datetime.fromisoformat(raw)
        return parsed.utcoffset() is not None and datetime_parse(raw) is None
    except (TypeError, ValueError):
        return False


def _datetime_problem(raw: Any) -> str:
    if isinstance(raw, str) and _is_naive_datetime(raw):
        return errors.DATETIME_NAIVE
    return errors.DATETIME_OUT_OF_RANGE if datetime_out_of_range(raw) else errors.DATETIME_INVALID


def _datetime_check(raw: Any, field_name: str, problems: _SampleErrors) -> datetime | None:
    if raw is None:
        return None
    parsed = datetime_parse(raw)
    if parsed is None:
        problems.add(field_name, _datetime_problem(raw))
    return parsed


def _is_naive_datetime(raw: str) -> bool:
    try:
        return "T" in raw.upper() and datetime.fromisoformat(raw).tzinfo is None
    except ValueError:
        return False


def _text_check(raw: Any, field_name: str, limit: int, problems: _SampleErrors) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str) or not raw.strip():
        problems.add(field_name, errors.STRING_REQUIRED)
        return ""
    if len(raw) > limit:
        problems.add(field_name, errors.STRING_TOO_LONG.format(limit=limit))
        return ""
    return raw


def _optional_text_check(raw: Any, field_name: str, problems: _SampleErrors) -> str:
    if raw is None or raw == "":
        return ""
    return _text_check(raw, field_name, MAX_TEXT_LENGTH, problems)


def _uuid_check(raw: Any, problems: _SampleErrors) -> str | None:
    if raw is None:
        return None
    try:
        return str(uuid.UUID(raw)).upper()
    except (TypeError, ValueError, AttributeError):
        problems.add("uuid", errors.UUID_INVALID)
        return None


#: json.dumps(..., separators=(",", ":"), ensure_ascii=False), without building an encoder per call
_compact_json = json.JSONEncoder(separators=(",", ":"), ensure_ascii=False).encode


def _metadata_check(raw: Any, limits: ImportLimits, problems: _SampleErrors) -> dict:
    if raw is None:
        return {}
    if not isinstance(raw, dict):
        problems.add("metadata", errors.METADATA_NOT_OBJECT)
        return {}
    if len(raw) > limits.metadata_max_keys:
        problems.add("metadata", errors.METADATA_TOO_MANY_KEYS.format(count=len(raw), limit=limits.metadata_max_keys))
        return {}
    size = len(_compact_json(raw).encode())
    if size > limits.metadata_max_bytes:
        problems.add("metadata", errors.METADATA_TOO_LARGE.format(size=size, limit=limits.metadata_max_bytes))
        return {}
    return raw
