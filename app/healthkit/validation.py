"""Validation of import requests: every sample is checked, every problem is reported.

Plain functions rather than DRF serializers: a request holds thousands of samples, and the
answer must point at each bad one (`{"index", "field", "message"}`). The worker re-parses a
chunk's stored payload with the same `sample_parse`, so both sides agree on what a sample is.
"""

import json
import math
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timezone
from typing import Any

from django.conf import settings

from healthkit import errors
from healthkit.catalogue import correlation_types
from healthkit.healthkit_types import WORKOUT_ACTIVITY_TYPES, SampleKind, sample_kind
from healthkit.jsonbody import json_body_decode
from healthkit.sample_checks import correlation_check, measurement_check, metadata_keys_check
from healthkit.samples_in import DELETION_KEY, DeletionIn, ImportRequest, SampleIn
from healthkit.storable import document_storage_problems, sample_storage_problems

__all__ = ["DELETION_KEY", "DeletionIn", "ImportLimits", "ImportRequest", "SampleIn", "import_body_parse", "sample_parse"]

#: at most this many errors are listed in one 400 answer
MAX_LISTED_ERRORS = 100

MAX_TYPE_LENGTH = 100
MAX_UNIT_LENGTH = 64
MAX_TEXT_LENGTH = 255

REQUIRED_FIELDS = ("type", "value", "start", "end", "source_name")
OPTIONAL_FIELDS = ("unit", "uuid", "device", "metadata", "workout_activity_type", "source_bundle_id", "correlation")
KNOWN_FIELDS = frozenset(REQUIRED_FIELDS + OPTIONAL_FIELDS)
ON_INVALID_CHOICES = ("reject", "skip")


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


def import_body_parse(*, body: bytes, limits: ImportLimits | None = None, on_invalid: str = "reject") -> ImportRequest:
    """Parse and validate a POST /api/v1/imports body; raise ApplicationError listing every problem."""
    return import_document_parse(json_body_decode(body), limits=limits, on_invalid=on_invalid)


def import_document_parse(document: Any, *, limits: ImportLimits | None = None, on_invalid: str = "reject") -> ImportRequest:
    """Validate a decoded body (healthkit.jsonbody): every sample and deletion; `skip` keeps the
    valid samples and lists the rest; ApplicationError lists every problem."""
    limits = limits or import_limits()
    raw_samples, raw_deletions = _body_fields(document, limits=limits)
    samples: list[SampleIn] = []
    problems: list[dict] = []
    for index, raw in enumerate(raw_samples):
        sample, sample_errors = sample_validate(raw, index=index, limits=limits)
        if sample_errors:
            problems.extend(sample_errors)
        else:
            samples.append(sample)
    deletions, deletion_problems = _deletions_parse(raw_deletions)
    if deletion_problems or (problems and on_invalid != "skip"):
        raise _invalid(_capped(deletion_problems + problems))
    if not samples and not deletions:
        raise _invalid(_capped(problems + [{"field": "samples", "message": errors.NOTHING_VALID}]))
    return ImportRequest(samples=samples, deletions=deletions, rejected=_capped(problems))


def sample_validate(raw: Any, *, index: int | None, limits: ImportLimits) -> tuple[SampleIn | None, list[dict]]:
    """One sample of a request (or of an export) as the API takes it: (sample, []) or (None, problems)."""
    problems = sample_storage_problems(raw, index=index)
    if problems:
        return None, problems
    return sample_parse(raw, index=index, limits=limits)


def _body_fields(document: Any, *, limits: ImportLimits) -> tuple[list, list]:
    if not isinstance(document, dict):
        raise _request_error("body", errors.BODY_NOT_OBJECT)
    repeated = document_storage_problems(document)
    if repeated:
        raise _invalid(repeated)
    unknown = sorted(set(document) - {"samples", "deleted"})
    if unknown:
        raise _invalid([{"field": name, "message": errors.UNKNOWN_TOP_LEVEL_FIELD} for name in unknown])
    if "samples" not in document and "deleted" not in document:
        raise _request_error("samples", errors.SAMPLES_MISSING)
    samples, deleted = document.get("samples", []), document.get("deleted", [])
    if not isinstance(samples, list):
        raise _request_error("samples", errors.SAMPLES_NOT_LIST)
    if not isinstance(deleted, list):
        raise _request_error("deleted", errors.DELETED_NOT_LIST)
    if not samples and not deleted:
        raise _request_error("samples", errors.SAMPLES_EMPTY)
    count = len(samples) + len(deleted)
    if count > limits.max_samples:
        raise _request_error("samples", errors.TOO_MANY_SAMPLES.format(count=count, limit=limits.max_samples))
    return samples, deleted


def _deletions_parse(raw_deletions: list) -> tuple[list[DeletionIn], list[dict]]:
    deletions, problems = [], []
    for index, raw in enumerate(raw_deletions):
        raw_uuid = raw.get("uuid") if isinstance(raw, dict) and set(raw) == {"uuid"} else None
        parsed = uuid_text(raw_uuid)
        if parsed is None:
            problems.append({"index": index, "field": "deleted", "message": errors.DELETION_INVALID})
        else:
            deletions.append(DeletionIn(uuid=parsed))
    return deletions, problems


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
    measurement = measurement_check(kind, raw.get("type"), value, unit, problems)
    activity = _workout_activity_check(raw.get("workout_activity_type"), kind, problems)
    start = _datetime_check(raw.get("start"), "start", problems)
    end = _datetime_check(raw.get("end"), "end", problems)
    if start and end and end < start:
        problems.add("end", errors.END_BEFORE_START.format(start=raw["start"], end=raw["end"]))
    source_name = _text_check(raw.get("source_name"), "source_name", MAX_TEXT_LENGTH, problems)
    bundle_id = _optional_text_check(raw.get("source_bundle_id"), "source_bundle_id", problems)
    device = _optional_text_check(raw.get("device"), "device", problems)
    sample_uuid = _uuid_check(raw.get("uuid"), problems)
    metadata = _metadata_check(raw.get("metadata"), limits, problems)
    keys = metadata_keys_check(metadata, problems)
    correlation_type, correlation_id = correlation_check(raw.get("correlation"), raw.get("type"), problems)

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
        correlation_type=correlation_type,
        correlation_id=correlation_id,
        canonical_value=measurement.canonical_value,
        canonical_unit=measurement.canonical_unit,
        recognized=kind is not SampleKind.UNRECOGNIZED,
        time_zone=keys.time_zone,
        sync_identifier=keys.identifier,
        sync_version=keys.version,
    )
    return sample, []


def _type_check(raw: Any, problems: _SampleErrors) -> SampleKind | None:
    if raw is None:
        return None
    if isinstance(raw, str) and raw in correlation_types():
        problems.add("type", errors.TYPE_CORRELATION)
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
    if kind in (SampleKind.QUANTITY, SampleKind.WORKOUT) and raw is None:
        problems.add("unit", errors.UNIT_REQUIRED)
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
    parsed = datetime_parse_with_offset(raw)
    return parsed.astimezone(UTC) if parsed is not None else None


def datetime_parse_with_offset(raw: Any) -> datetime | None:
    """An ISO-8601 date-time with an offset or Z, keeping its offset; None when not one (naive included)."""
    if not isinstance(raw, str) or "T" not in raw.upper():
        return None
    try:
        parsed = datetime.fromisoformat(raw)
    except ValueError:
        return None
    if parsed.tzinfo is None or parsed.utcoffset() is None:
        return None
    try:
        parsed.astimezone(UTC)
    except OverflowError:  # year 1 with a positive offset, year 9999 with a negative one
        return None
    return parsed.astimezone(timezone(parsed.utcoffset()))


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
    parsed = datetime_parse_with_offset(raw)
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


def uuid_text(raw: Any) -> str | None:
    """A UUID in HealthKit's spelling (upper case), None when `raw` is not one."""
    if not isinstance(raw, str):
        return None
    try:
        return str(uuid.UUID(raw)).upper()
    except ValueError:
        return None


def _uuid_check(raw: Any, problems: _SampleErrors) -> str | None:
    if raw is None:
        return None
    parsed = uuid_text(raw)
    if parsed is None:
        problems.add("uuid", errors.UUID_INVALID)
    return parsed


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
