"""The `Idempotency-Key` header, as the IETF httpapi draft (draft-ietf-httpapi-idempotency-key-header) has it.

- The key: 1 to MAX_KEY_LENGTH characters of KEY_ALPHABET (a UUID fits), optionally sent as
  a structured-field string in double quotes (`"8e03978e-40d5-43e8-bc93-6894a57f9324"`).
  Anything else is a 400 naming the header: no truncation, no case folding, no non-ASCII.
- The request fingerprint: SHA-256 of the decoded body re-encoded canonically (keys
  sorted, no whitespace), so the same samples serialized with another key order (Swift
  dictionaries have none) are the same request.
- In flight: the request holding a key takes a PostgreSQL advisory lock on (owner, key) for
  its transaction; a second request that cannot take it is answered 409.
"""

import hashlib
import json
import re

from django.db import connection

from healthkit import errors
from healthkit.errors import ApplicationError
from healthkit.jsonbody import NonFinite

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255
KEY_ALPHABET = "A-Z a-z 0-9 - _ . : ~ + / ="
_KEY = re.compile(r"[A-Za-z0-9\-_.:~+/=]{1,%d}" % MAX_KEY_LENGTH)


def _key_error(message: str, *, status: int) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": HEADER, "message": message}], status=status)


def idempotency_key_parse(header: str | None) -> str | None:
    """The key of an `Idempotency-Key` header value; None without one; 400 when it is not a valid key."""
    if header is None:
        return None
    quoted = len(header) >= 2 and header[0] == header[-1] == '"'
    key = header[1:-1] if quoted else header
    if not _KEY.fullmatch(key):
        raise _key_error(errors.IDEMPOTENCY_KEY_INVALID.format(limit=MAX_KEY_LENGTH), status=400)
    return key


def _canonical(value: object) -> object:
    return value.text if isinstance(value, NonFinite) else str(value)


def request_fingerprint(document: object) -> str:
    """SHA-256 (hex) of the decoded request body in canonical JSON."""
    canonical = json.dumps(document, sort_keys=True, separators=(",", ":"), default=_canonical)
    return hashlib.sha256(canonical.encode("utf-8", "surrogatepass")).hexdigest()


def _lock_id(owner_id: int, key: str) -> int:
    digest = hashlib.sha256(f"healthkit-idempotency:{owner_id}:{key}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def idempotency_key_hold(*, owner_id: int, key: str) -> None:
    """Hold (owner, key) until the current transaction ends; 409 when another request holds it."""
    if connection.vendor != "postgresql":
        return  # dev's SQLite serializes writers anyway
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [_lock_id(owner_id, key)])
        (held,) = cursor.fetchone()
    if not held:
        raise _key_error(errors.IDEMPOTENCY_KEY_IN_FLIGHT, status=409)


def idempotency_key_reused(*, stored_fingerprint: str, fingerprint: str) -> None:
    """422 when a key comes back with another request than the one it was first used with."""
    if stored_fingerprint and stored_fingerprint != fingerprint:
        raise _key_error(errors.IDEMPOTENCY_KEY_REUSED, status=422)
