"""The content fingerprint computed once, by the api, stored under the chunk payload's MAC.

The worker takes a verified item's stored fingerprint (it does not compute it again), and computes
it for items it re-validates: no MAC, a MAC that fails (changed payload, another owner's batch, the
older `v1` form) and verified items written without one.
"""

import json

import orjson
import pytest
from django.conf import settings
from django.db import connection
from django.utils.crypto import salted_hmac
from healthkit.chunk_payload import ChunkPayload, chunk_contents, chunk_payload, items_signed
from healthkit.fingerprints import sample_fingerprint
from healthkit.models import AppleHealthImportChunk, HealthSample
from healthkit.services.imports import chunk_import

from localservices.samples import heart_rate_sample, workout_sample
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from tests.support.samples import parsed_samples

RAW = [
    heart_rate_sample(1, start="2024-03-10T01:30:00-08:00", end="2024-03-10T01:31:00.250-08:00"),
    heart_rate_sample(2, value=1.2, unit="count/s"),
    workout_sample(3),
]
#: a fingerprint no sample of RAW has (64 hex digits, as the column holds)
FOREIGN_FINGERPRINT = "0" * 64

pytestmark = pytest.mark.django_db


def _chunk_storing(owner, payload: ChunkPayload) -> AppleHealthImportChunk:
    """A queued chunk of a new batch of `owner` whose stored payload and MAC are `payload`'s."""
    _, (chunk,) = batch_with_chunks_create(owner, [RAW], raw_payloads=True)
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(payload=payload.text, payload_mac=payload.mac)
    return chunk


def _normalized(owner) -> list[dict]:
    return json.loads(chunk_payload(parsed_samples(RAW), owner_id=owner.pk).text)


def _imported(chunk: AppleHealthImportChunk) -> None:
    assert chunk_import(chunk_id=str(chunk.pk)).status == "succeeded"


def test_each_stored_sample_carries_its_fingerprint_for_the_batchs_owner(user):
    _, (chunk,) = batch_with_chunks_create(user, [RAW])
    stored = json.loads(AppleHealthImportChunk.objects.get(pk=chunk.pk).payload)
    assert [item["fingerprint"] for item in stored] == [
        sample_fingerprint(owner_id=user.pk, sample=sample) for sample in parsed_samples(RAW)
    ]
    _imported(chunk)
    assert stored_fingerprints(user) == sorted(item["fingerprint"] for item in stored)


def test_a_verified_fingerprint_is_taken_as_stored_not_computed_again(user):
    items = _normalized(user)
    items[0]["fingerprint"] = FOREIGN_FINGERPRINT  # signed by the server's key: the worker must trust it
    _imported(_chunk_storing(user, items_signed(items, owner_id=user.pk)))
    assert FOREIGN_FINGERPRINT not in expected_fingerprints(user, RAW)
    assert stored_fingerprints(user) == sorted([FOREIGN_FINGERPRINT, *(item["fingerprint"] for item in items[1:])])


def test_a_changed_fingerprint_without_a_valid_mac_is_computed_again(user):
    _, (chunk,) = batch_with_chunks_create(user, [RAW])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthkit_applehealthimportchunk SET payload = jsonb_set(payload::jsonb, '{0,fingerprint}', %s::jsonb)::text "
            "WHERE id = %s",
            [json.dumps(FOREIGN_FINGERPRINT), chunk.pk],
        )
    _imported(chunk)
    assert stored_fingerprints(user) == expected_fingerprints(user, RAW)


def test_a_payload_copied_to_another_owners_batch_is_validated_again_and_fingerprinted_for_it(user, django_user_model):
    other = django_user_model.objects.create_user(username="other")
    _, (mine,) = batch_with_chunks_create(user, [RAW])
    theirs = _chunk_storing(other, ChunkPayload(text="[]", mac="", count=0))
    with connection.cursor() as cursor:  # the database tampered with: payload and MAC copied as they are
        cursor.execute(
            "UPDATE healthkit_applehealthimportchunk AS t SET payload = m.payload, payload_mac = m.payload_mac "
            "FROM healthkit_applehealthimportchunk AS m WHERE m.id = %s AND t.id = %s",
            [mine.pk, theirs.pk],
        )
    copied = AppleHealthImportChunk.objects.get(pk=theirs.pk)
    assert (copied.payload, copied.payload_mac) == (mine.payload, mine.payload_mac)  # the same bytes
    assert json.loads(copied.payload)[0]["fingerprint"]
    assert chunk_contents(mine.payload, mine.payload_mac, owner_id=user.pk)[1]
    assert not chunk_contents(copied.payload, copied.payload_mac, owner_id=other.pk)[1]
    _imported(theirs)
    _imported(mine)
    assert stored_fingerprints(other) == expected_fingerprints(other, RAW)
    assert stored_fingerprints(user) == expected_fingerprints(user, RAW)
    assert not set(stored_fingerprints(other)) & set(stored_fingerprints(user))


def test_a_chunk_of_the_older_form_is_validated_again_and_imports(user):
    """What code before this change wrote: no fingerprint, a MAC under the `v1` salt over the items alone."""
    items = [{key: value for key, value in item.items() if key != "fingerprint"} for item in _normalized(user)]
    canonical = orjson.dumps(items, option=orjson.OPT_SORT_KEYS)
    v1_mac = salted_hmac("healthkit.chunk_payload.v1", canonical, secret=settings.SECRET_KEY, algorithm="sha256")
    old = ChunkPayload(text=canonical.decode(), mac=v1_mac.hexdigest(), count=len(items))
    assert not chunk_contents(old.text, old.mac, owner_id=user.pk)[1]
    _imported(_chunk_storing(user, old))
    assert stored_fingerprints(user) == expected_fingerprints(user, RAW)


def test_a_verified_item_without_a_fingerprint_is_fingerprinted_by_the_worker(user):
    items = [{key: value for key, value in item.items() if key != "fingerprint"} for item in _normalized(user)]
    signed = items_signed(items, owner_id=user.pk)
    contents, trusted = chunk_contents(signed.text, signed.mac, owner_id=user.pk)
    assert trusted and not any("fingerprint" in content for content in contents)
    _imported(_chunk_storing(user, signed))
    assert stored_fingerprints(user) == expected_fingerprints(user, RAW)
    assert HealthSample.objects.filter(owner=user).count() == len(RAW)
