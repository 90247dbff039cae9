"""A chunk's stored items: written here only (`chunk_payload`), read here only (`chunk_contents`).

The api validates every sample once. It stores each chunk's items in their NORMALIZED form (the
sample as `SampleIn.to_payload` writes it, plus what validation derived: canonical value and unit,
recognition, time zone, sync keys, and the sample's content `fingerprint` for the batch's owner)
as JSON text (orjson), in a `text` column that keeps those exact bytes (migration 0009), and an
HMAC-SHA256 (`payload_mac`) over the owner's id and those bytes, keyed by a key derived from
DJANGO_SECRET_KEY under the name `PAYLOAD_MAC_SALT` (Django's `salted_hmac`). The worker checks
the MAC over the text as it reads it, then parses it once (orjson) and takes the items as they are,
fingerprint included; nothing is serialized again. When the MAC does not verify for the chunk's
owner it re-validates them with `sample_parse` (derived fields, the fingerprint among them, are
then derived again, never taken): chunks written by older code (no MAC, the sent form; a MAC of
the `v1` salt, which covered neither the owner nor a fingerprint; a MAC of the `v2` salt, made
over a canonical re-serialization, which a MAC over the bytes must never be taken for), a payload
changed in the database (one byte is enough: a space) or copied to another owner's batch, a key
rotated since (the fallback keys are tried first).

The owner is under the MAC because the fingerprint depends on it: a payload moved to another
owner's batch must not bring the first owner's fingerprints. FINGERPRINT_VERSION is in the salt,
so a new fingerprint recipe invalidates every stored MAC and chunks queued before it are
fingerprinted again by the worker.

Items orjson cannot write (an integer past 64 bits in metadata) are stored as the standard
library writes them, without a MAC: orjson would read such an integer back as a float, so the
worker validates them again from `json.loads`, which keeps it exactly. A chunk's payload emptied
once it succeeded is `EMPTIED` (`[]`: still JSON text, so that the column can go back to jsonb and
code from before 0009 reads it as before).
"""

import hmac
import json
from dataclasses import dataclass
from datetime import datetime
from functools import lru_cache

import orjson
from django.conf import settings
from django.utils.crypto import salted_hmac

from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.fingerprints import FINGERPRINT_VERSION, sample_fingerprint
from healthkit.sample_checks import offset_seconds
from healthkit.samples_in import DELETION_KEY, DeletionIn, SampleIn
from healthkit.validation import import_limits, sample_parse, uuid_text

#: names the MAC key's derivation from the secret key (change it to invalidate every stored MAC); v3:
#: the MAC covers the owner's id and the exact stored text, the items their fingerprint (of this
#: FINGERPRINT_VERSION); v2 covered a canonical re-serialization of the items (keys sorted)
PAYLOAD_MAC_SALT = f"healthkit.chunk_payload.v3.text.fingerprint{FINGERPRINT_VERSION}"
#: a succeeded chunk's payload once emptied (HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS, purge_chunk_payloads)
EMPTIED = "[]"
#: what validation (and the owner) derived, stored beside the sample's sent form
DERIVED_FIELDS = (
    "canonical_value",
    "canonical_unit",
    "recognized",
    "time_zone",
    "sync_identifier",
    "sync_version",
    "fingerprint",
)


@dataclass(frozen=True, slots=True)
class ChunkPayload:
    """A chunk's items as JSON text (its `payload`, stored as it is) and their MAC ("" if none could be made)."""

    text: str
    mac: str
    count: int


def _normalized(item: SampleIn | DeletionIn, owner_id: int) -> dict:
    if isinstance(item, DeletionIn):
        return item.to_payload()
    return item.to_payload() | {
        "canonical_value": item.canonical_value,
        "canonical_unit": item.canonical_unit,
        "recognized": item.recognized,
        "time_zone": item.time_zone,
        "sync_identifier": item.sync_identifier,
        "sync_version": item.sync_version,
        "fingerprint": sample_fingerprint(owner_id=owner_id, sample=item),
    }


def _mac(owner_id: int, text: bytes, secret) -> str:
    """HMAC-SHA256 of `<owner id>\n<stored text>` (the owner id is digits: the newline ends it)."""
    mac = salted_hmac(PAYLOAD_MAC_SALT, f"{int(owner_id)}\n", secret=secret, algorithm="sha256")
    mac.update(text)  # the items are not copied into one more buffer
    return mac.hexdigest()


def chunk_payload(items: list[SampleIn | DeletionIn], *, owner_id: int) -> ChunkPayload:
    """The stored form of a chunk's validated items for a batch of `owner_id` (the only writer of chunk payloads)."""
    return items_signed([_normalized(item, owner_id) for item in items], owner_id=owner_id)


def items_signed(normalized: list[dict], *, owner_id: int) -> ChunkPayload:
    """Normalized items as a ChunkPayload with their MAC for `owner_id` (chunk_payload's last step;
    tests sign forms the api would not write with it)."""
    try:
        text = orjson.dumps(normalized)
    except orjson.JSONEncodeError:  # an integer orjson cannot write (metadata past 64 bits): stored unsigned
        return ChunkPayload(text=json.dumps(normalized, ensure_ascii=False), mac="", count=len(normalized))
    return ChunkPayload(text=text.decode(), mac=_mac(owner_id, text, settings.SECRET_KEY), count=len(normalized))


def _verified(text: str, mac: str, owner_id: int) -> list | None:
    """The items when `mac` is the MAC of these exact bytes for `owner_id` (under the secret key or
    a fallback), parsed once; else None."""
    if not mac:
        return None
    # the bytes chunk_payload wrote (a text column gives them back unchanged); a lone surrogate, which
    # no stored text has, is kept as bytes that no MAC covers
    data = text.encode("utf-8", "surrogatepass")
    for secret in (settings.SECRET_KEY, *getattr(settings, "SECRET_KEY_FALLBACKS", ())):
        if hmac.compare_digest(_mac(owner_id, data, secret), mac):
            try:
                return orjson.loads(data)
            except orjson.JSONDecodeError:  # signed, so written by chunk_payload: not expected
                return None
    return None


@lru_cache(maxsize=256)
def _zone_offset(zone) -> int:
    """offset_seconds of an instant in `zone`, any instant: fromisoformat gives fixed-offset zones.
    Cached: this runs twice per trusted sample, and a chunk has a few zones."""
    return offset_seconds(datetime(2000, 1, 1, tzinfo=zone))


def _trusted_content(item: dict) -> dict | DeletionIn:
    """A verified item as HealthSample content (the keys of SampleIn.to_content, and its stored
    `fingerprint` when it has one: items_apply computes the missing ones)."""
    if DELETION_KEY in item and len(item) == 1:
        return DeletionIn(uuid=item[DELETION_KEY])
    start, end = datetime.fromisoformat(item["start"]), datetime.fromisoformat(item["end"])
    get = item.get
    correlation = get("correlation") or {}
    content = {
        "type": item["type"],
        "recognized": item["recognized"],
        "value": item["value"],
        "unit": get("unit", ""),
        "canonical_value": item["canonical_value"],
        "canonical_unit": item["canonical_unit"],
        "start_at": start,
        "end_at": end,
        "start_offset": _zone_offset(start.tzinfo),
        "end_offset": _zone_offset(end.tzinfo),
        "time_zone": item["time_zone"],
        "source_name": item["source_name"],
        "source_bundle_id": get("source_bundle_id", ""),
        "device": get("device", ""),
        "metadata": get("metadata", {}),
        "healthkit_uuid": get("uuid"),
        "sync_identifier": item["sync_identifier"],
        "sync_version": item["sync_version"],
        "workout_activity_type": get("workout_activity_type", ""),
        "correlation_type": correlation.get("type", ""),
        "correlation_id": correlation.get("id", ""),
    }
    if "fingerprint" in item:
        content["fingerprint"] = item["fingerprint"]
    return content


def _invalid(index, field_name: str, message: str) -> ApplicationError:
    return ApplicationError(errors.CHUNK_PAYLOAD_INVALID.format(index=index, field=field_name, message=message))


def _revalidated(items) -> list[dict | DeletionIn]:
    """Items the worker cannot trust, validated again as the api validates a request's samples."""
    if not isinstance(items, list):
        raise _invalid("-", "payload", "not a list")
    parsed, limits = [], import_limits()
    for index, raw in enumerate(items):
        if isinstance(raw, dict) and set(raw) == {DELETION_KEY}:
            uuid = uuid_text(raw[DELETION_KEY])
            if uuid is None:
                raise _invalid(index, "deleted", errors.DELETION_INVALID)
            parsed.append(DeletionIn(uuid=uuid))
            continue
        if isinstance(raw, dict):  # derived fields are derived again, never taken
            raw = {key: value for key, value in raw.items() if key not in DERIVED_FIELDS}
        sample, problems = sample_parse(raw, index=index, limits=limits)
        if problems:
            raise _invalid(index, problems[0]["field"], problems[0]["message"])
        parsed.append(sample.to_content())
    return parsed


def chunk_contents(text: str, mac: str, *, owner_id: int) -> tuple[list[dict | DeletionIn], bool]:
    """A stored chunk of a batch of `owner_id`: its items as sample content (SampleIn.to_content's
    keys; with their stored `fingerprint` when the MAC verified) or deletions, and whether the MAC
    let them through unvalidated; ApplicationError names the first invalid item."""
    items = _verified(text, mac, owner_id)
    if items is not None:
        return [_trusted_content(item) for item in items], True
    try:
        decoded = json.loads(text)  # exactly (numbers included), for validation
    except ValueError as exc:
        raise _invalid("-", "payload", f"not JSON ({exc})") from None
    return _revalidated(decoded), False
