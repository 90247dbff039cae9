"""What PostgreSQL would refuse, found in a decoded sample before anything is written.

`text` and `jsonb` reject the NUL character; UTF-8 has no lone UTF-16 surrogates (psycopg
cannot even encode them); `jsonb` has no Infinity/NaN; a value nested without bound makes
Python's JSON encoder recurse until it fails. A sample holding any of these, anywhere (a
field, a metadata key or value, at any depth), or an object with a repeated key, is
reported with its index and top-level field, and the request is refused.
"""

import re
from collections.abc import Iterator

from healthkit import errors
from healthkit.jsonbody import DuplicateKeysObject, NonFinite

#: levels of objects/arrays allowed inside one field of a sample (metadata is flat in HealthKit)
MAX_FIELD_DEPTH = 8

_UNSTORABLE_CHARACTER = re.compile("[\x00\ud800-\udfff]")


def _text_storable(text: str) -> bool:
    return "\x00" not in text and (text.isascii() or _UNSTORABLE_CHARACTER.search(text) is None)


def _storable(value: object, depth: int) -> bool:
    """The fast check (no paths built): True when nothing in `value` needs reporting."""
    kind = type(value)
    if kind is str:
        return _text_storable(value)
    if kind is float or kind is int or kind is bool or value is None:
        return True
    if kind is dict:  # not a DuplicateKeysObject
        return depth < MAX_FIELD_DEPTH and all(
            _text_storable(key) and _storable(item, depth + 1) for key, item in value.items()
        )
    if kind is list:
        return depth < MAX_FIELD_DEPTH and all(_storable(item, depth + 1) for item in value)
    return False  # a NonFinite marker, an object with repeated keys


def _path(parent: str, key: object) -> str:
    return f"{parent}[{key}]" if isinstance(key, int) else f"{parent}.{key}"


def _text_problem(text: str) -> str | None:
    if text.isascii() and "\x00" not in text:
        return None
    found = _UNSTORABLE_CHARACTER.search(text)
    if found is None:
        return None
    return errors.NUL_CHARACTER if found.group() == "\x00" else errors.LONE_SURROGATE


def _value_problems(value: object, path: str, depth: int) -> Iterator[str]:
    """Messages for everything in `value` (found at `path`) that cannot be stored."""
    if isinstance(value, str):
        problem = _text_problem(value)
        if problem:
            yield errors.UNSTORABLE_AT.format(problem=problem, path=path)
    elif isinstance(value, NonFinite):
        yield errors.UNSTORABLE_AT.format(problem=errors.NON_FINITE_NUMBER.format(text=value.text), path=path)
    elif isinstance(value, dict | list):
        if depth >= MAX_FIELD_DEPTH:
            yield errors.UNSTORABLE_AT.format(problem=errors.NESTED_TOO_DEEP.format(limit=MAX_FIELD_DEPTH), path=path)
            return
        yield from _container_problems(value, path, depth + 1)


def _container_problems(value: dict | list, path: str, depth: int) -> Iterator[str]:
    if isinstance(value, list):
        for position, item in enumerate(value):
            yield from _value_problems(item, _path(path, position), depth)
        return
    if isinstance(value, DuplicateKeysObject):
        for key in value.duplicates:
            yield errors.DUPLICATE_KEY_AT.format(key=key, path=path)
    for key, item in value.items():
        problem = _text_problem(key)
        if problem:
            yield errors.UNSTORABLE_AT.format(problem=problem, path=f"a key of {path}")
        yield from _value_problems(item, _path(path, key), depth)


def sample_storage_problems(raw: object, *, index: int) -> list[dict]:
    """The API's errors for what in sample `raw` cannot be stored; [] when all of it can."""
    if not isinstance(raw, dict):
        return []  # validation says what a sample must be
    if type(raw) is dict and all(_text_storable(key) and _storable(value, 0) for key, value in raw.items()):
        return []  # the common case, without building a path per value
    problems = []
    if isinstance(raw, DuplicateKeysObject):
        problems += [{"index": index, "field": key, "message": errors.DUPLICATE_FIELD} for key in raw.duplicates]
    for field_name, value in raw.items():
        if _text_problem(field_name):
            problems.append({"index": index, "field": "sample", "message": errors.FIELD_NAME_UNSTORABLE})
            continue
        problems += [
            {"index": index, "field": field_name, "message": message}
            for message in _value_problems(value, field_name, depth=0)
        ]
    return problems


def document_storage_problems(document: dict) -> list[dict]:
    """Request-level problems of the body object itself (a repeated top-level key)."""
    if not isinstance(document, DuplicateKeysObject):
        return []
    return [{"field": key, "message": errors.DUPLICATE_FIELD} for key in document.duplicates]


def body_storage_problems(document: object) -> list[dict]:
    """Request-level errors for what anywhere in a body cannot be stored (for bodies mapped to samples
    before they are validated, whose fields are not the API's)."""
    return [{"field": "body", "message": message} for message in _value_problems(document, "body", depth=0)]
