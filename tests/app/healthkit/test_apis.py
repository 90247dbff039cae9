"""The HTTP API in-process (DRF test client, real PostgreSQL; tasks run eagerly at commit)."""

import json

import pytest
from healthkit import errors
from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk, HealthSample
from rest_framework.test import APIClient

from localservices.samples import heart_rate_sample, heart_rate_samples, sleep_sample, workout_sample

pytestmark = pytest.mark.django_db

IMPORTS = "/api/v1/imports"
SAMPLES = "/api/v1/samples"


def _post(client, samples=None, *, body=None, key=None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key else {}
    raw = body if body is not None else json.dumps({"samples": samples})
    return client.post(IMPORTS, data=raw, content_type="application/json", **headers)


def _import(client, samples, capture, **options):
    """POST and run the enqueued chunk tasks (eagerly, as dev mode does)."""
    with capture(execute=True):
        return _post(client, samples, **options)


def _row_counts() -> tuple[int, int, int]:
    return (
        AppleHealthImportBatch.objects.count(),
        AppleHealthImportChunk.objects.count(),
        HealthSample.objects.count(),
    )


# --- POST /api/v1/imports ---


def test_a_valid_import_is_accepted_with_its_batch_summary(api_client, settings, django_capture_on_commit_callbacks):
    settings.HEALTHKIT_IMPORT_CHUNK_SIZE = 2
    with django_capture_on_commit_callbacks(execute=False) as enqueued:
        response = _post(api_client, heart_rate_samples(5))
    assert response.status_code == 202
    body = response.json()
    assert set(body) == {"id", "status", "status_url", "chunks", "samples"}
    assert (body["status"], body["chunks"], body["samples"]) == ("queued", 3, 5)
    assert body["status_url"] == f"http://testserver/api/v1/imports/{body['id']}"
    assert len(enqueued) == 1  # one callback sends the 3 chunks' messages


def test_an_imported_batch_completes_and_its_samples_are_listed(
    api_client, settings, django_capture_on_commit_callbacks
):
    settings.HEALTHKIT_IMPORT_CHUNK_SIZE = 2
    created = _import(
        api_client, [*heart_rate_samples(3), sleep_sample(), workout_sample()], django_capture_on_commit_callbacks
    )
    status = api_client.get(created.json()["status_url"]).json()
    assert status == {
        "id": created.json()["id"],
        "status": "completed",
        "chunks_total": 3,
        "chunks_succeeded": 3,
        "chunks_failed": 0,
        "records_received": 5,
        "records_created": 5,
        "records_duplicate": 0,
        "records_updated": 0,
        "records_stale": 0,
        "records_deleted": 0,
        "progress": 1.0,
        "sealed": True,
        "chunks_queued": 0,
        "chunks_processing": 0,
        "chunks_stalled": 0,
        "errors": [],
    }
    listed = api_client.get(SAMPLES).json()["results"]
    assert len(listed) == 5
    workout = next(sample for sample in listed if sample["type"] == "HKWorkoutTypeIdentifier")
    assert workout["workout_activity_type"] == "HKWorkoutActivityTypeRunning"
    assert workout["uuid"] == "0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E10"  # HealthKit spells uuids upper case


def test_reimporting_the_same_samples_creates_no_rows_and_reports_duplicates(
    api_client, django_capture_on_commit_callbacks
):
    samples = heart_rate_samples(4)
    _import(api_client, samples, django_capture_on_commit_callbacks)
    rows = HealthSample.objects.count()
    again = _import(api_client, samples, django_capture_on_commit_callbacks)
    status = api_client.get(again.json()["status_url"]).json()
    assert HealthSample.objects.count() == rows == 4
    assert (status["status"], status["records_created"], status["records_duplicate"]) == ("completed", 0, 4)


def test_the_same_idempotency_key_returns_the_first_batch(api_client, django_capture_on_commit_callbacks):
    first = _import(api_client, heart_rate_samples(2), django_capture_on_commit_callbacks, key="sync-42")
    again = _import(api_client, heart_rate_samples(2), django_capture_on_commit_callbacks, key="sync-42")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]
    assert AppleHealthImportBatch.objects.count() == 1


def test_an_idempotency_key_with_control_characters_is_rejected(api_client):
    response = _post(api_client, heart_rate_samples(1), key="bad\tkey")
    assert response.status_code == 400
    message = errors.IDEMPOTENCY_KEY_INVALID.format(limit=255)
    assert response.json() == {"errors": [{"field": "Idempotency-Key", "message": message}]}


INVALID_PAYLOADS = {
    "unknown type": {"samples": [heart_rate_sample(type="Unicorns")]},
    "bad date": {"samples": [heart_rate_sample(start="10/03/2024 09:30")]},
    "end before start": {"samples": [heart_rate_sample(start="2024-03-10T10:00:00Z", end="2024-03-10T09:00:00Z")]},
    "non-numeric value": {"samples": [heart_rate_sample(value="72")]},
    "missing field": {"samples": [{k: v for k, v in heart_rate_sample().items() if k != "source_name"}]},
    "too many samples": {"samples": heart_rate_samples(6)},
    "malformed JSON": '{"samples": [',
}


@pytest.mark.parametrize("case", INVALID_PAYLOADS, ids=list(INVALID_PAYLOADS))
def test_an_invalid_payload_is_rejected_with_reasons_and_nothing_is_written(
    api_client, settings, case, django_capture_on_commit_callbacks
):
    settings.HEALTHKIT_IMPORT_MAX_SAMPLES = 5
    payload = INVALID_PAYLOADS[case]
    body = (
        payload if isinstance(payload, str) else json.dumps({"samples": [heart_rate_sample(100), *payload["samples"]]})
    )
    with django_capture_on_commit_callbacks(execute=True) as enqueued:
        response = _post(api_client, body=body)
    assert response.status_code == 400
    problems = response.json()["errors"]
    assert problems and all(problem["message"] for problem in problems)
    assert _row_counts() == (0, 0, 0)
    assert enqueued == []


@pytest.mark.parametrize("case", ["too many samples", "malformed JSON"])
def test_request_level_errors_carry_no_index(api_client, settings, case):
    settings.HEALTHKIT_IMPORT_MAX_SAMPLES = 5
    payload = INVALID_PAYLOADS[case]
    response = _post(api_client, body=payload if isinstance(payload, str) else json.dumps(payload))
    assert ["index" in problem for problem in response.json()["errors"]] == [False]


def test_a_sample_error_names_its_index_and_field(api_client):
    response = _post(api_client, [heart_rate_sample(0), heart_rate_sample(1, value="72")])
    assert response.json() == {
        "errors": [{"index": 1, "field": "value", "message": errors.VALUE_NOT_NUMBER.format(kind="a string")}]
    }


def test_a_body_over_the_size_limit_is_refused(api_client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = _post(api_client, heart_rate_samples(20))
    assert response.status_code == 413
    assert response.json()["errors"][0]["message"] == errors.BODY_TOO_LARGE.format(limit=1024)


# --- GET /api/v1/imports/{id} ---


def test_another_users_batch_is_not_found(api_client, api_client_for, user_factory, django_capture_on_commit_callbacks):
    created = _import(api_client, heart_rate_samples(1), django_capture_on_commit_callbacks)
    other = api_client_for(user_factory("bob"))
    assert other.get(created.json()["status_url"]).status_code == 404


def test_an_unknown_batch_is_not_found(api_client):
    response = api_client.get(f"{IMPORTS}/00000000-0000-0000-0000-000000000000")
    assert response.status_code == 404
    assert response.json() == {"errors": [{"message": "Not found."}]}


# --- GET /api/v1/samples ---


def test_a_user_sees_only_their_own_samples(
    api_client, api_client_for, user_factory, django_capture_on_commit_callbacks
):
    _import(api_client, heart_rate_samples(3), django_capture_on_commit_callbacks)
    bob = api_client_for(user_factory("bob"))
    _import(bob, heart_rate_samples(1, start=50), django_capture_on_commit_callbacks)
    assert len(bob.get(SAMPLES).json()["results"]) == 1
    assert len(api_client.get(SAMPLES).json()["results"]) == 3


def test_samples_are_filtered_by_type_and_time_range(api_client, django_capture_on_commit_callbacks):
    _import(api_client, [*heart_rate_samples(10), sleep_sample()], django_capture_on_commit_callbacks)
    by_type = api_client.get(SAMPLES, {"type": "HKCategoryTypeIdentifierSleepAnalysis"}).json()["results"]
    assert [sample["type"] for sample in by_type] == ["HKCategoryTypeIdentifierSleepAnalysis"]
    in_range = api_client.get(
        SAMPLES,
        {
            "type": "HKQuantityTypeIdentifierHeartRate",
            "start": "2024-03-10T09:32:00Z",
            "end": "2024-03-10T10:34:00+01:00",
        },
    ).json()["results"]
    assert [sample["start"] for sample in in_range] == [
        "2024-03-10T09:34:00Z",
        "2024-03-10T09:33:00Z",
        "2024-03-10T09:32:00Z",
    ]


def test_samples_are_paginated(api_client, django_capture_on_commit_callbacks):
    _import(api_client, heart_rate_samples(5), django_capture_on_commit_callbacks)
    first = api_client.get(SAMPLES, {"page_size": 2}).json()
    second = api_client.get(first["next"]).json()
    assert len(first["results"]) == len(second["results"]) == 2
    assert {s["id"] for s in first["results"]}.isdisjoint({s["id"] for s in second["results"]})


@pytest.mark.parametrize(
    ("params", "field"),
    [({"type": "Nope"}, "type"), ({"start": "2024-03-10T09:00:00"}, "start")],
)
def test_an_invalid_sample_filter_is_a_400(api_client, params, field):
    response = api_client.get(SAMPLES, params)
    assert response.status_code == 400
    assert [problem["field"] for problem in response.json()["errors"]] == [field]


# --- authentication ---


@pytest.mark.parametrize(
    ("method", "path"),
    [("post", IMPORTS), ("get", f"{IMPORTS}/00000000-0000-0000-0000-000000000000"), ("get", SAMPLES)],
)
def test_unauthenticated_calls_get_401(method, path):
    response = getattr(APIClient(), method)(path)
    assert response.status_code == 401
    assert response["WWW-Authenticate"] == "Token"


def test_an_unknown_token_gets_401():
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert client.get(SAMPLES).status_code == 401


# --- OpenAPI ---


def test_the_openapi_schema_describes_the_endpoints():
    response = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json")
    assert response.status_code == 200
    paths = json.loads(response.content)["paths"]
    assert {"/api/v1/imports", "/api/v1/samples"} <= set(paths)
