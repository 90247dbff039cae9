"""Hostile request bodies: each is refused with the API's JSON error, naming the sample and
field where there is one, and nothing is written or enqueued (issue 13, "Why").

Each of these answered Django's HTML 500 page before (PostgreSQL refused the value, or
Python's encoder recursed), or was silently accepted (duplicate keys, UTF-16 bodies).
"""

import json

import pytest
from healthkit import errors
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, HealthSample

from localservices.samples import heart_rate_sample

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports"
SAMPLES = "/api/v1/samples"


def _post(client, body: bytes | str, *, content_type: str = "application/json"):
    return client.post(IMPORTS, data=body, content_type=content_type)


def _refused(client, body, capture, *, status: int = 400, **options) -> list[dict]:
    """POST `body`; assert it is refused as JSON with `status` and nothing written; its errors."""
    with capture(execute=True) as enqueued:
        response = _post(client, body, **options)
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    assert (AppleHealthImportBatch.objects.count(), AppleHealthImportChunk.objects.count()) == (0, 0)
    assert HealthSample.objects.count() == 0
    assert enqueued == []
    return response.json()["errors"]


def _body(*samples: dict) -> str:
    return json.dumps({"samples": [heart_rate_sample(100), *samples]})


def _at(problem: str, path: str) -> str:
    return errors.UNSTORABLE_AT.format(problem=problem, path=path)


NUL = errors.NUL_CHARACTER
SURROGATE = errors.LONE_SURROGATE

#: (raw JSON of sample 1, the error expected for it)
UNSTORABLE_SAMPLES = {
    "NUL in a text field": (
        _body(heart_rate_sample(1, source_name="Watch\u0000")),
        {"index": 1, "field": "source_name", "message": _at(NUL, "source_name")},
    ),
    "NUL in a metadata value": (
        _body(heart_rate_sample(1, metadata={"note": "a\u0000b"})),
        {"index": 1, "field": "metadata", "message": _at(NUL, "metadata.note")},
    ),
    "NUL in a metadata key": (
        _body(heart_rate_sample(1, metadata={"k\u0000": 1})),
        {"index": 1, "field": "metadata", "message": _at(NUL, "a key of metadata")},
    ),
    "lone surrogate in a text field": (
        _body(heart_rate_sample(1, device="PLACEHOLDER")).replace("PLACEHOLDER", "\\ud800"),
        {"index": 1, "field": "device", "message": _at(SURROGATE, "device")},
    ),
    "lone surrogate in nested metadata": (
        _body(heart_rate_sample(1, metadata={"a": [{"b": "PLACEHOLDER"}]})).replace("PLACEHOLDER", "x\\udfff"),
        {"index": 1, "field": "metadata", "message": _at(SURROGATE, "metadata.a[0].b")},
    ),
    "1e999 in metadata": (
        _body(heart_rate_sample(1, metadata={"k": 123456})).replace("123456", "1e999"),
        {"index": 1, "field": "metadata", "message": _at(errors.NON_FINITE_NUMBER.format(text="1e999"), "metadata.k")},
    ),
    "-Infinity as a value": (
        _body(heart_rate_sample(1, value=123456)).replace("123456", "-Infinity"),
        {"index": 1, "field": "value", "message": _at(errors.NON_FINITE_NUMBER.format(text="-Infinity"), "value")},
    ),
    "metadata nested under the byte limit": (
        _body(heart_rate_sample(1, metadata={"k": 0})).replace('{"k": 0}', '{"k": ' + "[" * 200 + "]" * 200 + "}"),
        {
            "index": 1,
            "field": "metadata",
            "message": _at(errors.NESTED_TOO_DEEP.format(limit=8), "metadata.k" + "[0]" * 7),
        },
    ),
    "a field given twice": (
        _body(heart_rate_sample(1)).replace('"value": 61.0', '"value": 61.0, "value": 99.0'),
        {"index": 1, "field": "value", "message": errors.DUPLICATE_FIELD},
    ),
    "a metadata key given twice": (
        _body(heart_rate_sample(1, metadata={"k": 1})).replace('{"k": 1}', '{"k": 1, "k": 2}'),
        {
            "index": 1,
            "field": "metadata",
            "message": errors.DUPLICATE_KEY_AT.format(key="k", path="metadata"),
        },
    ),
    "year 1 with a positive offset": (
        _body(heart_rate_sample(1, start="0001-01-01T00:30:00+01:00")),
        {"index": 1, "field": "start", "message": errors.DATETIME_OUT_OF_RANGE},
    ),
    "year 9999 with a negative offset": (
        _body(heart_rate_sample(1, start="9999-12-31T22:00:00Z", end="9999-12-31T23:30:00-01:00")),
        {"index": 1, "field": "end", "message": errors.DATETIME_OUT_OF_RANGE},
    ),
}


@pytest.mark.parametrize("case", UNSTORABLE_SAMPLES, ids=list(UNSTORABLE_SAMPLES))
def test_what_postgresql_cannot_store_is_refused_naming_the_sample_and_field(
    api_client, case, django_capture_on_commit_callbacks
):
    body, expected = UNSTORABLE_SAMPLES[case]
    assert _refused(api_client, body, django_capture_on_commit_callbacks) == [expected]


def test_a_body_nested_beyond_the_decoder_is_a_request_level_400(api_client, django_capture_on_commit_callbacks):
    body = '{"samples": ' + "[" * 100_000 + "]" * 100_000 + "}"
    problems = _refused(api_client, body, django_capture_on_commit_callbacks)
    assert problems == [{"field": "body", "message": errors.BODY_TOO_DEEP}]


def test_a_repeated_samples_key_is_refused_instead_of_the_last_one_winning(
    api_client, django_capture_on_commit_callbacks
):
    first, second = json.dumps([heart_rate_sample(0)]), json.dumps([heart_rate_sample(1)])
    body = f'{{"samples": {first}, "samples": {second}}}'
    problems = _refused(api_client, body, django_capture_on_commit_callbacks)
    assert problems == [{"field": "samples", "message": errors.DUPLICATE_FIELD}]


@pytest.mark.parametrize("encoding", ["utf-16", "utf-16-le", "utf-32"])
def test_a_body_that_is_not_utf8_is_refused(api_client, encoding, django_capture_on_commit_callbacks):
    body = _body().encode(encoding)
    problems = _refused(api_client, body, django_capture_on_commit_callbacks)
    assert [problem["field"] for problem in problems] == ["body"]
    assert problems[0]["message"].startswith(errors.BODY_NOT_UTF8.split("(")[0])


def test_a_utf8_body_with_a_byte_order_mark_is_accepted(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api_client, "\ufeff".encode() + _body().encode())
    assert response.status_code == 202
    assert HealthSample.objects.count() == 1


@pytest.mark.parametrize(
    "content_type",
    ["text/plain", "application/x-www-form-urlencoded", "application/json; charset=utf-16", "application/jsonp"],
)
def test_a_body_not_declared_as_json_is_415(api_client, content_type, django_capture_on_commit_callbacks):
    problems = _refused(api_client, _body(), django_capture_on_commit_callbacks, status=415, content_type=content_type)
    assert [problem["field"] for problem in problems] == ["Content-Type"]


def test_json_with_an_explicit_utf8_charset_is_accepted(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = _post(api_client, _body(), content_type="application/json; charset=UTF-8")
    assert response.status_code == 202


def test_a_field_name_that_cannot_be_stored_is_refused(api_client, django_capture_on_commit_callbacks):
    body = _body().replace('"device"', '"x\\u0000"', 1)
    problems = _refused(api_client, body, django_capture_on_commit_callbacks)
    assert problems == [{"index": 0, "field": "sample", "message": errors.FIELD_NAME_UNSTORABLE}]


def test_an_error_echoing_a_lone_surrogate_is_still_json(api_client, django_capture_on_commit_callbacks):
    body = _body()[:-1] + ', "x\\ud800": 1}'
    problems = _refused(api_client, body, django_capture_on_commit_callbacks)
    assert problems == [{"field": "x\\ud800", "message": errors.UNKNOWN_TOP_LEVEL_FIELD}]


# --- GET /api/v1/samples ---


@pytest.mark.parametrize("start", ["0001-01-01T00:00:00+01:00", "9999-12-31T23:59:59-01:00"])
def test_a_samples_query_whose_start_overflows_utc_is_400(api_client, start):
    response = api_client.get(SAMPLES, {"start": start})
    assert response.status_code == 400
    assert response.json() == {"errors": [{"field": "start", "message": errors.DATETIME_OUT_OF_RANGE}]}


# --- every error is the API's JSON ---


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("get", f"{IMPORTS}/not-a-uuid", 404),
        ("get", f"{IMPORTS}/00000000-0000-0000-0000-00000000000", 404),
        ("get", "/api/v1/nothing-here", 404),
        ("get", "/admin-nothing", 404),
        ("delete", IMPORTS, 405),
        ("put", SAMPLES, 405),
    ],
)
def test_errors_outside_the_views_are_json(api_client, method, path, status):
    response = getattr(api_client, method)(path)
    assert response.status_code == status
    assert response["Content-Type"] == "application/json"
    assert [set(problem) <= {"field", "message"} for problem in response.json()["errors"]] == [True]
