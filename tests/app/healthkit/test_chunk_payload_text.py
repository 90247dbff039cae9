"""A chunk's payload stored as text, exactly the bytes healthkit.chunk_payload wrote, its MAC
verified over them (migration 0009), on PostgreSQL: byte for byte, one changed byte, the previous
MAC scheme, and code from before 0009 on the new column (a rollout's old tasks, a rollback)."""

import json

import orjson
import pytest
from django.conf import settings
from django.db import connection, models
from django.db.models import TextField
from django.db.models.functions import Cast
from django.utils.crypto import salted_hmac
from healthkit.chunk_payload import ChunkPayload, chunk_contents, chunk_payload, items_signed
from healthkit.fingerprints import FINGERPRINT_VERSION
from healthkit.models import AppleHealthImportChunk, HealthSample
from healthkit.services.imports import chunk_import
from healthkit.sync.bulk import server_bound_fetchall
from psycopg.types.json import Jsonb

from localservices.samples import heart_rate_sample, sleep_sample, workout_sample
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints
from tests.support.samples import parsed_samples

pytestmark = pytest.mark.django_db

#: non-ASCII text (the source's "ë"), a time zone offset, a workout and a sleep sample
RAW = [
    heart_rate_sample(1, start="2024-03-10T01:30:00-08:00", end="2024-03-10T01:31:00.250-08:00"),
    heart_rate_sample(2, value=1.2, unit="count/s"),
    sleep_sample(3),
    workout_sample(4),
]
#: a fingerprint no sample of RAW has
FOREIGN_FINGERPRINT = "0" * 64
TABLE = "healthkit_applehealthimportchunk"


def _stored_text(chunk) -> tuple[str, str, int]:
    """The payload as PostgreSQL holds it: (the text, its column type, its length in bytes)."""
    [row] = server_bound_fetchall(f"SELECT payload, pg_typeof(payload)::text, octet_length(payload) FROM {TABLE} WHERE id = %s", [chunk.pk])
    return row


def _sql(statement: str, params) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)


def _imported(chunk) -> None:
    assert chunk_import(chunk_id=str(chunk.pk)).status == "succeeded"


def _foreign_signed(owner) -> ChunkPayload:
    """RAW as the api writes it for `owner`, but the first fingerprint is FOREIGN_FINGERPRINT, signed:
    a worker that trusts the payload stores that fingerprint, one that validates it again does not."""
    items = json.loads(chunk_payload(parsed_samples(RAW), owner_id=owner.pk).text)
    items[0]["fingerprint"] = FOREIGN_FINGERPRINT
    return items_signed(items, owner_id=owner.pk)


def _chunk_storing(owner, text: str, mac: str) -> AppleHealthImportChunk:
    _, (chunk,) = batch_with_chunks_create(owner, [RAW], raw_payloads=True)
    AppleHealthImportChunk.objects.filter(pk=chunk.pk).update(payload=text, payload_mac=mac)
    return chunk


def test_the_stored_payload_is_byte_for_byte_what_chunk_payload_wrote_and_the_worker_trusts_it(user):
    _, (chunk,) = batch_with_chunks_create(user, [RAW])
    written = chunk_payload(parsed_samples(RAW), owner_id=user.pk)
    text, column_type, size = _stored_text(chunk)
    assert (text, column_type, size) == (written.text, "text", len(written.text.encode()))
    assert "Zoë" in text  # UTF-8 as orjson wrote it, not escaped
    assert chunk_contents(text, chunk.payload_mac, owner_id=user.pk)[1]


def test_the_worker_takes_a_verified_payload_as_it_is(user):
    """The control of the next test: signed and unchanged, the foreign fingerprint is taken."""
    signed = _foreign_signed(user)
    _imported(_chunk_storing(user, signed.text, signed.mac))
    assert FOREIGN_FINGERPRINT in stored_fingerprints(user)


@pytest.mark.parametrize("change", ["payload || ' '", "' ' || payload", "replace(payload, '\",\"', '\", \"')"])
def test_one_changed_byte_fails_the_mac_and_the_chunk_is_validated_again(user, change):
    signed = _foreign_signed(user)
    chunk = _chunk_storing(user, signed.text, signed.mac)
    _sql(f"UPDATE {TABLE} SET payload = {change} WHERE id = %s", [chunk.pk])
    text, _, _ = _stored_text(chunk)
    assert json.loads(text) == json.loads(signed.text) and text != signed.text
    _imported(chunk)
    assert stored_fingerprints(user) == expected_fingerprints(user, RAW)  # computed again, not the stored one


def test_a_value_changed_in_the_database_is_validated_again_and_imported_as_changed(user):
    _, (chunk,) = batch_with_chunks_create(user, [RAW])
    assert '"value":61.0' in chunk.payload
    _sql(f"UPDATE {TABLE} SET payload = replace(payload, '\"value\":61.0', '\"value\":99.0') WHERE id = %s", [chunk.pk])
    _imported(chunk)
    changed = [heart_rate_sample(1, start=RAW[0]["start"], end=RAW[0]["end"], value=99.0), *RAW[1:]]
    assert stored_fingerprints(user) == expected_fingerprints(user, changed)
    assert HealthSample.objects.filter(owner=user, value=99.0).count() == 1


def test_a_value_changed_to_an_invalid_one_fails_the_chunk_naming_the_item(user):
    _, (chunk,) = batch_with_chunks_create(user, [RAW])
    _sql(f"UPDATE {TABLE} SET payload = replace(payload, '\"value\":61.0', '\"value\":\"fast\"') WHERE id = %s", [chunk.pk])
    with pytest.raises(Exception, match="chunk payload is invalid at sample 0: value"):
        chunk_import(chunk_id=str(chunk.pk))
    assert HealthSample.objects.count() == 0


def _v2(owner) -> tuple[bytes, str]:
    """RAW as the previous scheme wrote it: canonical (keys sorted) items and their `v2` MAC."""
    canonical = orjson.dumps(json.loads(chunk_payload(parsed_samples(RAW), owner_id=owner.pk).text), option=orjson.OPT_SORT_KEYS)
    mac = salted_hmac(f"healthkit.chunk_payload.v2.fingerprint{FINGERPRINT_VERSION}", f"{owner.pk}\n", secret=settings.SECRET_KEY, algorithm="sha256")
    mac.update(canonical)
    return canonical, mac.hexdigest()


@pytest.mark.parametrize("as_stored", ["canonical", "jsonb's text (migration 0009)"])
def test_a_chunk_of_the_previous_mac_scheme_is_validated_again_and_imports(user, as_stored):
    canonical, v2_mac = _v2(user)
    chunk = _chunk_storing(user, canonical.decode(), v2_mac)
    if as_stored != "canonical":
        _sql(f"UPDATE {TABLE} SET payload = payload::jsonb::text WHERE id = %s", [chunk.pk])
    text, _, _ = _stored_text(chunk)
    assert (text == canonical.decode()) == (as_stored == "canonical")
    assert not chunk_contents(text, v2_mac, owner_id=user.pk)[1]  # a MAC over bytes is never taken for one over a form
    _imported(chunk)
    assert stored_fingerprints(user) == expected_fingerprints(user, RAW)


def _old_insert(chunk: AppleHealthImportChunk, items) -> None:
    """INSERT `chunk` as code before 0009 did (healthkit.sync.bulk.models_insert, bound on the
    server), its payload as that code's JSONField prepared it: a jsonb-typed parameter."""
    old_field = models.JSONField()
    params = []
    for field in chunk._meta.concrete_fields:
        value = field.pre_save(chunk, True)
        params.append(old_field.get_db_prep_save(items, connection) if field.name == "payload" else field.get_db_prep_save(value, connection))
    payload = params[[field.name for field in chunk._meta.concrete_fields].index("payload")]
    assert isinstance(payload, Jsonb)
    columns = ", ".join(connection.ops.quote_name(field.column) for field in chunk._meta.concrete_fields)
    server_bound_fetchall(f"INSERT INTO {TABLE} ({columns}) VALUES ({', '.join(['%s'] * len(params))})", params)


def test_code_from_before_0009_writes_jsonb_into_the_text_column_and_reads_it(user):
    canonical, v2_mac = _v2(user)
    batch, (first,) = batch_with_chunks_create(user, [RAW[:1]])
    chunk = AppleHealthImportChunk(batch=batch, index=1, payload="", payload_mac=v2_mac, records_received=len(RAW))
    _old_insert(chunk, json.loads(canonical))  # the old api: PostgreSQL assigns jsonb to text (an I/O cast)
    text, column_type, _ = _stored_text(chunk)
    assert column_type == "text" and json.loads(text) == json.loads(canonical)
    [(jsonb_text,)] = server_bound_fetchall("SELECT %s::jsonb::text", [canonical.decode()])
    assert text == jsonb_text  # jsonb's text form, as 0009 leaves the payloads it converts
    old_read = AppleHealthImportChunk.objects.annotate(payload_text=Cast("payload", TextField())).get(pk=chunk.pk)
    assert models.JSONField().from_db_value(old_read.payload_text, None, connection) == json.loads(canonical)
    _imported(chunk)  # the new worker: the v2 MAC does not verify, so it validates again
    assert stored_fingerprints(user) == expected_fingerprints(user, RAW)
    # the old worker's emptying, through Django's own cursor (values quoted into the SQL)
    _sql(f"UPDATE {TABLE} SET payload = %s WHERE id = %s", [models.JSONField().get_db_prep_save([], connection), chunk.pk])
    assert _stored_text(chunk)[0] == "[]" == AppleHealthImportChunk.objects.get(pk=chunk.pk).payload
