"""Idempotency-Key as the IETF draft has it: fingerprint, 422 on another body, 409 while in flight."""

import json
import threading

import pytest
from healthkit import errors
from healthkit.idempotency import idempotency_key_hold
from healthkit.models import AppleHealthImportBatch

from localservices.samples import heart_rate_sample, heart_rate_samples

IMPORTS = "/api/v1/imports"


def _post(client, body: str, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(IMPORTS, data=body, content_type="application/json", **headers)


def _body(samples) -> str:
    return json.dumps({"samples": samples})


def _key_error(response) -> list[str]:
    return [(problem["field"], problem["message"]) for problem in response.json()["errors"]]


@pytest.mark.django_db
def test_the_same_key_with_another_body_is_422_and_makes_nothing(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(api_client, _body(heart_rate_samples(2)), "sync-7")
        again = _post(api_client, _body(heart_rate_samples(3)), "sync-7")
    assert (first.status_code, again.status_code) == (202, 422)
    assert _key_error(again) == [("Idempotency-Key", errors.IDEMPOTENCY_KEY_REUSED)]
    assert AppleHealthImportBatch.objects.count() == 1


@pytest.mark.django_db
def test_the_same_request_serialized_in_another_key_order_is_the_same_request(
    api_client, django_capture_on_commit_callbacks
):
    sample = heart_rate_sample(1)
    reordered = dict(reversed(list(sample.items())))
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(api_client, _body([sample]), "sync-8")
        again = _post(api_client, json.dumps({"samples": [reordered]}, indent=2), "sync-8")
    assert (first.status_code, again.status_code) == (202, 200)
    assert again.json()["id"] == first.json()["id"]


@pytest.mark.django_db
def test_a_key_whose_first_request_was_invalid_can_be_used_again(api_client, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        invalid = _post(api_client, _body([heart_rate_sample(0, value="x")]), "sync-9")
        valid = _post(api_client, _body([heart_rate_sample(0)]), "sync-9")
    assert (invalid.status_code, valid.status_code) == (400, 202)


@pytest.mark.django_db
def test_a_quoted_key_is_the_same_key(api_client, django_capture_on_commit_callbacks):
    body = _body(heart_rate_samples(1))
    with django_capture_on_commit_callbacks(execute=True):
        first = _post(api_client, body, '"8e03978e-40d5-43e8-bc93-6894a57f9324"')
        again = _post(api_client, body, "8e03978e-40d5-43e8-bc93-6894a57f9324")
    assert again.json()["id"] == first.json()["id"]
    assert AppleHealthImportBatch.objects.get().idempotency_key == "8e03978e-40d5-43e8-bc93-6894a57f9324"


@pytest.mark.django_db
@pytest.mark.parametrize(
    "key", ["", "x" * 256, "caf\u00e9", "two words", 'a"b', '"unclosed', "semi;colon"], ids=repr
)
def test_a_key_outside_the_documented_alphabet_or_length_is_400(api_client, key):
    response = _post(api_client, _body(heart_rate_samples(1)), key)
    assert response.status_code == 400
    assert _key_error(response) == [("Idempotency-Key", errors.IDEMPOTENCY_KEY_INVALID.format(limit=255))]
    assert AppleHealthImportBatch.objects.count() == 0


@pytest.mark.django_db(transaction=True)
def test_the_same_key_while_the_first_request_is_in_flight_is_409(api_client, user):
    """The first request holds (owner, key) for its transaction: a thread plays it, mid-flight."""
    from django.db import connection, transaction

    holding, release = threading.Event(), threading.Event()

    def first_request_in_flight() -> None:
        try:
            with transaction.atomic():
                idempotency_key_hold(owner_id=user.pk, key="sync-10")
                holding.set()
                release.wait(timeout=30)
        finally:
            connection.close()

    first = threading.Thread(target=first_request_in_flight)
    first.start()
    try:
        assert holding.wait(timeout=30)
        response = _post(api_client, _body(heart_rate_samples(1)), "sync-10")
    finally:
        release.set()
        first.join(timeout=30)
    assert response.status_code == 409
    assert _key_error(response) == [("Idempotency-Key", errors.IDEMPOTENCY_KEY_IN_FLIGHT)]
    assert AppleHealthImportBatch.objects.count() == 0
