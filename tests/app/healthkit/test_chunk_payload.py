"""healthkit.chunk_payload: what the api stores for a chunk, and what the worker trusts of it."""

import json

import pytest
from django.db import connection
from healthkit.chunk_payload import DERIVED_FIELDS, chunk_contents, chunk_payload
from healthkit.errors import ApplicationError
from healthkit.fingerprints import sample_fingerprint
from healthkit.models import AppleHealthImportChunk, HealthSample
from healthkit.services.imports import chunk_import
from healthkit.validation import DeletionIn

from localservices.samples import heart_rate_sample, sleep_sample, workout_sample
from tests.support.imports import batch_with_chunks_create
from tests.support.samples import parsed_samples

#: the owner the pure tests' payloads are written for (no database row needed: the fingerprint and MAC take its id)
OWNER = 7
SYNCED = {"HKMetadataKeySyncIdentifier": "meal-7", "HKMetadataKeySyncVersion": 3, "HKTimeZone": "Europe/Paris"}
#: samples that exercise every derived field: offsets, conversions, sync keys, correlations, unknown types
VARIED = [
    heart_rate_sample(1, start="2024-03-10T01:30:00-08:00", end="2024-03-10T01:31:00.250-08:00"),
    heart_rate_sample(2, value=1.2, unit="count/s", metadata=SYNCED, uuid="7c1e4f0a-2b3d-4e5f-8a9b-0c1d2e3f4a5b"),
    sleep_sample(3),
    workout_sample(4, uuid="0E5D1C2A-4B43-4F0E-9D6B-2F1C8B7A9E11", metadata={"nested": {"a": [1, 2.5, None]}}),
    heart_rate_sample(
        5,
        type="HKQuantityTypeIdentifierBloodPressureSystolic",
        value=120,
        unit="mmHg",
        correlation={"type": "HKCorrelationTypeIdentifierBloodPressure", "id": "bp-1"},
        metadata={},
    ),
    heart_rate_sample(6, type="HKQuantityTypeIdentifierSomethingNew", value=3, unit="furlong"),
]


def _as_jsonb_gives_it(text: str) -> str:
    """The same JSON with its keys in another order and spaced (jsonb's output)."""
    return json.dumps([dict(reversed(item.items())) for item in json.loads(text)], indent=1)


def test_the_worker_reads_back_exactly_what_validation_gave_the_api():
    samples = parsed_samples(VARIED)
    stored = chunk_payload([*samples, DeletionIn(uuid="7C1E4F0A-2B3D-4E5F-8A9B-0C1D2E3F4A5C")], owner_id=OWNER)
    items, trusted = chunk_contents(stored.text, stored.mac, owner_id=OWNER)
    assert trusted
    fingerprinted = [sample.to_content() | {"fingerprint": sample_fingerprint(owner_id=OWNER, sample=sample)} for sample in samples]
    assert items == fingerprinted + [DeletionIn(uuid="7C1E4F0A-2B3D-4E5F-8A9B-0C1D2E3F4A5C")]


def test_trusted_items_at_many_utc_offsets_each_keep_their_own_offsets():
    offsets = ["+05:45", "-03:30", "+14:00", "+00:00", "-12:00", "+05:45", "Z", "-03:30"]
    raw = [
        heart_rate_sample(i, start=f"2024-03-10T01:30:00{offset}", end=f"2024-03-10T01:31:00{offset}")
        for i, offset in enumerate(offsets)
    ]
    samples = parsed_samples(raw)
    stored = chunk_payload(samples, owner_id=OWNER)
    for _ in range(2):  # the offsets are cached by time zone after the first read
        items, trusted = chunk_contents(stored.text, stored.mac, owner_id=OWNER)
        assert trusted
        assert [(item["start_offset"], item["end_offset"]) for item in items] == [
            (sample.to_content()["start_offset"], sample.to_content()["end_offset"]) for sample in samples
        ]
    assert {item["start_offset"] for item in items} == {20700, -12600, 50400, 0, -43200}


def test_the_mac_covers_the_exact_bytes_so_the_same_items_written_otherwise_are_validated_again():
    samples = parsed_samples(VARIED)
    stored = chunk_payload(samples, owner_id=OWNER)
    for respelled in (_as_jsonb_gives_it(stored.text), stored.text + " ", " " + stored.text, stored.text.replace(":", ": ", 1)):
        assert json.loads(respelled) == json.loads(stored.text)
        items, trusted = chunk_contents(respelled, stored.mac, owner_id=OWNER)
        assert not trusted
        assert items == [sample.to_content() for sample in samples]  # derived again: no stored fingerprint taken


def test_without_a_mac_the_items_are_validated_again_and_agree():
    samples = parsed_samples(VARIED)
    stored = chunk_payload(samples, owner_id=OWNER)
    items, trusted = chunk_contents(stored.text, "", owner_id=OWNER)
    assert not trusted
    assert items == [sample.to_content() for sample in samples]  # no fingerprint: items_apply computes it


def test_a_changed_payload_fails_its_mac_and_its_derived_fields_are_derived_again():
    (sample,) = parsed_samples([heart_rate_sample(1, value=1.2, unit="count/s")])
    stored = chunk_payload([sample], owner_id=OWNER)
    forged = json.loads(stored.text)
    forged[0]["canonical_value"] = sample.canonical_value + 1000
    items, trusted = chunk_contents(json.dumps(forged), stored.mac, owner_id=OWNER)
    assert not trusted
    assert items[0]["canonical_value"] == sample.canonical_value


def test_a_changed_payload_that_is_invalid_is_refused_by_name():
    stored = chunk_payload(parsed_samples([heart_rate_sample(1), heart_rate_sample(2)]), owner_id=OWNER)
    forged = json.loads(stored.text)
    forged[1]["end"] = "2024-03-10T09:00:00+00:00"  # before its start
    with pytest.raises(ApplicationError, match="chunk payload is invalid at sample 1: end"):
        chunk_contents(json.dumps(forged), stored.mac, owner_id=OWNER)


def test_a_forged_deletion_is_refused():
    with pytest.raises(ApplicationError, match="chunk payload is invalid at sample 0: deleted"):
        chunk_contents(json.dumps([{"delete": "not-a-uuid"}]), "", owner_id=OWNER)


def test_a_mac_made_with_a_fallback_key_still_verifies_and_another_key_does_not(settings):
    settings.SECRET_KEY = "old-key-" + "x" * 50
    stored = chunk_payload(parsed_samples([heart_rate_sample(1)]), owner_id=OWNER)
    settings.SECRET_KEY, settings.SECRET_KEY_FALLBACKS = "new-key-" + "y" * 50, ["old-key-" + "x" * 50]
    assert chunk_contents(stored.text, stored.mac, owner_id=OWNER)[1]
    settings.SECRET_KEY_FALLBACKS = []
    assert not chunk_contents(stored.text, stored.mac, owner_id=OWNER)[1]


def test_derived_fields_are_stored_beside_the_sent_form():
    (sample,) = parsed_samples([heart_rate_sample(1, value=1.2, unit="count/s", metadata=SYNCED)])
    stored = json.loads(chunk_payload([sample], owner_id=OWNER).text)
    derived = {name: getattr(sample, name, None) for name in DERIVED_FIELDS} | {
        "fingerprint": sample_fingerprint(owner_id=OWNER, sample=sample)
    }
    assert {name: stored[0][name] for name in DERIVED_FIELDS} == derived
    assert (sample.canonical_value, sample.time_zone, sample.sync_identifier, sample.sync_version) != (1.2, "", None, None)


def _import(owner, raw: list[dict]) -> AppleHealthImportChunk:
    _, (chunk,) = batch_with_chunks_create(owner, [raw])
    chunk_import(chunk_id=str(chunk.pk))
    return AppleHealthImportChunk.objects.get(pk=chunk.pk)


def _stored(owner) -> list[tuple]:
    fields = ("type", "value", "canonical_value", "start_at", "start_offset", "metadata", "healthkit_uuid", "fingerprint")
    return list(HealthSample.objects.filter(owner=owner).order_by("start_at", "type").values_list(*fields))


@pytest.mark.django_db
def test_a_trusted_chunk_and_a_revalidated_one_store_the_same_rows(user, django_user_model):
    other = django_user_model.objects.create_user(username="other")
    trusted = _import(user, VARIED)
    assert trusted.payload_mac
    _, (old,) = batch_with_chunks_create(other, [VARIED], raw_payloads=True)  # as code before the MAC wrote it
    chunk_import(chunk_id=str(old.pk))
    mine, theirs = _stored(user), _stored(other)
    assert len(mine) == len(VARIED)
    assert [row[:-1] for row in mine] == [row[:-1] for row in theirs]  # the fingerprint covers the owner


@pytest.mark.django_db
def test_a_payload_changed_in_the_database_is_validated_again_before_it_is_stored(user):
    _, (chunk,) = batch_with_chunks_create(user, [[heart_rate_sample(1), heart_rate_sample(2)]])
    with connection.cursor() as cursor:
        cursor.execute(
            "UPDATE healthkit_applehealthimportchunk SET payload = jsonb_set(payload::jsonb, '{1,value}', '\"fast\"')::text "
            "WHERE id = %s",
            [chunk.pk],
        )
    with pytest.raises(ApplicationError, match="chunk payload is invalid at sample 1: value"):
        chunk_import(chunk_id=str(chunk.pk))
    assert HealthSample.objects.count() == 0


@pytest.mark.django_db
def test_an_integer_orjson_cannot_write_is_stored_without_a_mac_and_kept_exactly(user):
    huge = 2**70
    chunk = _import(user, [heart_rate_sample(1, metadata={"count": huge})])
    assert chunk.payload_mac == ""
    assert HealthSample.objects.get(owner=user).metadata == {"count": huge}
