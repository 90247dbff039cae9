"""Decoding of JSON request bodies: media type, UTF-8, duplicate keys, non-finite numbers.

What this layer guarantees before any field is looked at:

- `Content-Type` is `application/json` (a `charset` parameter may only say UTF-8), else 415;
- the body is UTF-8; a leading UTF-8 byte order mark is ignored (RFC 8259 §8.1 lets a
  parser do so), every other encoding (UTF-16/32, with or without a BOM) is refused;
- a body nested beyond the decoder's recursion limit is a 400, not a RecursionError;
- an object with a repeated key is kept as a `DuplicateKeysObject` naming the repeats, and a
  number that does not fit a double (`1e999`) or a `NaN`/`Infinity` literal becomes a
  `NonFinite` marker: healthkit.storable reports both at the sample and field they are in.
"""

import json
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.utils.http import parse_header_parameters

from healthkit import errors
from healthkit.errors import ApplicationError

JSON_MEDIA_TYPE = "application/json"
UTF8_CHARSETS = frozenset({"utf-8", "utf8"})
BYTE_ORDER_MARK = "\ufeff"


class DuplicateKeysObject(dict):
    """A JSON object in which some keys appeared more than once (the last value is kept)."""

    duplicates: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class NonFinite:
    """A JSON number that is not a finite double: `1e999`, or the non-JSON `NaN`/`Infinity`."""

    text: str


def _object(pairs: list[tuple[str, object]]) -> dict:
    document = dict(pairs)
    if len(document) == len(pairs):
        return document
    seen: set[str] = set()
    repeated = [key for key, _ in pairs if key in seen or seen.add(key)]
    marked = DuplicateKeysObject(document)
    marked.duplicates = tuple(dict.fromkeys(repeated))
    return marked


def _float(text: str) -> float | NonFinite:
    number = float(text)
    return number if number - number == 0.0 else NonFinite(text)  # inf - inf is nan


_decoder = json.JSONDecoder(object_pairs_hook=_object, parse_float=_float, parse_constant=NonFinite)


def _request_error(field_name: str, message: str, *, status: int = 400) -> ApplicationError:
    return ApplicationError(message, errors=[{"field": field_name, "message": message}], status=status)


def content_type_check(content_type: str | None) -> None:
    """415 unless the request says `application/json` (optionally `; charset=utf-8`)."""
    media_type, parameters = parse_header_parameters(content_type or "")
    charset = parameters.get("charset")
    if media_type.lower() != JSON_MEDIA_TYPE or (charset is not None and charset.lower() not in UTF8_CHARSETS):
        message = errors.CONTENT_TYPE_UNSUPPORTED.format(content_type=content_type or "none")
        raise _request_error("Content-Type", message, status=415)


def json_body_decode(body: bytes) -> object:
    """The JSON document of a UTF-8 body (markers included); ApplicationError (400) if it is not one."""
    try:
        text = body.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _request_error("body", errors.BODY_NOT_UTF8.format(position=exc.start)) from None
    if "\x00" in text:  # never in JSON text: UTF-16/32 without a BOM decodes to this
        raise _request_error("body", errors.BODY_NOT_UTF8.format(position=text.index("\x00")))
    text = text.removeprefix(BYTE_ORDER_MARK)
    try:
        return _decoder.decode(text)
    except RecursionError:
        raise _request_error("body", errors.BODY_TOO_DEEP) from None
    except ValueError as exc:
        raise _request_error("body", errors.MALFORMED_JSON.format(reason=exc)) from None


def request_document(request) -> object:
    """A request's decoded JSON body: 415 for another media type, 413 past the size limit, else as json_body_decode."""
    content_type_check(request.META.get("CONTENT_TYPE"))
    try:
        body = request.body
    except RequestDataTooBig:
        message = errors.BODY_TOO_LARGE.format(limit=settings.DATA_UPLOAD_MAX_MEMORY_SIZE)
        raise _request_error("body", message, status=413) from None
    return json_body_decode(body)
