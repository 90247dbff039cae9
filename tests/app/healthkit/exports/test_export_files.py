"""An uploaded export read in-process (dev mode: tasks run at commit) from the moto server's S3 into
PostgreSQL: the real fixtures, and every file that must end the export `failed` with its reason."""

import pytest
from django.test import override_settings

from healthkit.models import AppleHealthExport, AppleHealthImportChunk, HealthSample
from tests.support.exports import BILLION_LAUGHS, bucket_create, presigned_upload, zip_bomb, zipped
from tests.support.fixtures import FIXTURES, export_xml_samples

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def bucket(moto_server, monkeypatch):
    for name, value in moto_server.client_environment().items():
        monkeypatch.setenv(name, value)
    name = bucket_create(moto_server.s3_client())
    with override_settings(HEALTHKIT_EXPORTS_BUCKET=name, HEALTHKIT_IMPORT_CHUNK_SIZE=3, HEALTHKIT_EXPORT_CHUNKS_PER_COMMIT=1):
        yield name


@pytest.fixture
def upload(bucket, api_client):
    """Create an export, upload `body` with its presigned POST, complete it; the export's answer."""

    def run(body: bytes, content_type: str = "application/zip", *, complete: bool = True) -> dict:
        created = api_client.post("/api/v1/exports", {"content_type": content_type}, format="json")
        assert created.status_code == 201, created.content
        if body:
            uploaded = presigned_upload(created.json()["upload"], body, content_type=content_type)
            assert uploaded.status_code in (200, 204), uploaded.text
        if not complete:
            return created.json()
        completed = api_client.post(f"/api/v1/exports/{created.json()['id']}/complete")
        assert completed.status_code == 202, completed.content
        return api_client.get(f"/api/v1/exports/{created.json()['id']}").json()

    return run


def _object_gone(moto_server, bucket, export_id) -> bool:
    key = AppleHealthExport.objects.get(pk=export_id).object_key
    return moto_server.s3_client().list_objects_v2(Bucket=bucket, Prefix=key).get("KeyCount", 0) == 0


def test_the_zip_the_health_app_writes_is_read_into_a_batch_and_its_file_deleted(upload, user, moto_server, bucket):
    answer = upload((FIXTURES / "aparser-export.zip").read_bytes())
    expected = export_xml_samples("aparser-export.xml")
    assert (answer["status"], answer["format"], answer["error"]) == ("read", "zip", None)
    assert answer["samples_read"] == len(expected) and answer["samples_rejected"] == 0
    assert answer["chunks_queued"] == -(-len(expected) // 3)
    batch = answer["batch"]
    assert (batch["status"], batch["records_created"], batch["chunks_total"]) == ("completed", len(expected), answer["chunks_queued"])
    assert batch["sealed"] is True
    assert HealthSample.objects.filter(owner=user).count() == len(expected)
    assert answer["file_deleted"] and _object_gone(moto_server, bucket, answer["id"])


def test_a_bare_export_xml_is_read_too(upload, user):
    answer = upload((FIXTURES / "dogsheep-export.xml").read_bytes(), "application/xml")
    assert (answer["status"], answer["format"], answer["batch"]["records_created"]) == ("read", "xml", 3)


def _failed(answer: dict, fragment: str) -> None:
    assert answer["status"] == "failed", answer
    assert fragment in answer["error"], answer["error"]
    assert answer["file_deleted"]


def test_a_billion_laughs_bomb_fails_the_export_without_expanding_anything(upload, user):
    answer = upload(zipped(BILLION_LAUGHS))
    _failed(answer, "declares entities")
    assert (answer["batch"]["status"], answer["chunks_queued"]) == ("failed", 0)
    assert HealthSample.objects.filter(owner=user).count() == 0


def test_a_zip_bomb_is_refused_past_the_ratio_cap(upload, user):
    with override_settings(HEALTHKIT_EXPORT_MAX_RATIO=50):
        answer = upload(zip_bomb(20 * 1024 * 1024))
    _failed(answer, "refused as a zip bomb")


def test_a_zip_bomb_that_lies_about_its_size_is_stopped_while_inflating(upload, user):
    with override_settings(HEALTHKIT_EXPORT_MAX_XML_BYTES=1024 * 1024, HEALTHKIT_EXPORT_MAX_RATIO=10**6):
        answer = upload(zip_bomb(8 * 1024 * 1024))
    _failed(answer, "inflates past 1048576 bytes")


def test_a_zip_without_export_xml_fails_naming_the_member(upload):
    _failed(upload(zipped(b"<x/>", member="apple_health_export/export_cda.xml")), "holds no export.xml")


def test_a_file_that_is_not_a_zip_nor_xml_fails_as_malformed(upload):
    _failed(upload(b"PK\x03\x04 not really a zip"), "not a readable zip")


def test_malformed_xml_fails_and_says_what_was_imported_before(upload, user):
    good = (FIXTURES / "aparser-export.xml").read_bytes().replace(b"</HealthData>", b"")
    answer = upload(zipped(good + b"<Record type=broken"))
    _failed(answer, "not well-formed XML")
    imported = len(export_xml_samples("aparser-export.xml"))  # every element read whole before the broken one
    assert f"the {imported} samples read before it" in answer["error"]
    assert answer["batch"]["status"] == "completed" and answer["batch"]["records_created"] == imported


def test_an_element_with_too_many_nodes_fails_the_export_before_it_is_held_in_memory(upload, user, monkeypatch):
    from healthkit.exportxml import reader

    monkeypatch.setattr(reader, "MAX_ELEMENT_NODES", 1000)  # 100,000 in production: scaled down
    good = (FIXTURES / "aparser-export.xml").read_bytes().replace(b"</HealthData>", b"")
    entries = b'<MetadataEntry key="k" value="v"/>' * 1001
    answer = upload(zipped(good + b'<Record type="HKQuantityTypeIdentifierHeartRate">' + entries + b"</Record></HealthData>"))
    _failed(answer, "holds more than 1000 elements")
    imported = len(export_xml_samples("aparser-export.xml"))
    assert f"the {imported} samples read before it" in answer["error"]
    assert HealthSample.objects.filter(owner=user).count() == imported


def test_a_huge_attribute_fails_the_export_before_the_parser_buffers_it_whole(upload, user, monkeypatch):
    from healthkit.exportxml import reader

    monkeypatch.setattr(reader, "MAX_TOKEN_BYTES", 256 * 1024)  # 64 MiB in production: scaled down
    huge = b'<HealthData><Record type="HKQuantityTypeIdentifierHeartRate" value="' + b"7" * (1024 * 1024) + b'"/></HealthData>'
    answer = upload(huge, "application/xml")
    _failed(answer, "a single attribute or text over 262144 bytes")
    assert HealthSample.objects.filter(owner=user).count() == 0


def test_a_file_over_the_limit_fails_the_export(upload, user):
    # S3 itself refuses such an upload (the policy's content-length-range); moto does not, so the
    # worker's own check of the object's size is what this shows
    with override_settings(HEALTHKIT_EXPORT_MAX_BYTES=100):
        answer = upload((FIXTURES / "aparser-export.zip").read_bytes())
    assert answer["max_bytes"] == 100
    _failed(answer, "over the limit of 100 bytes")
    assert HealthSample.objects.filter(owner=user).count() == 0


def test_the_presigned_policy_holds_the_size_limit_the_content_type_and_the_owner_key(upload, user):
    import base64
    import json

    with override_settings(HEALTHKIT_EXPORT_MAX_BYTES=12345):
        created = upload(b"", complete=False)
    fields = created["upload"]["fields"]
    policy = json.loads(base64.b64decode(fields["policy"]))
    assert ["content-length-range", 1, 12345] in policy["conditions"]
    assert {"Content-Type": "application/zip"} in policy["conditions"]
    assert fields["key"] == f"exports/{user.pk}/{created['id']}"
    assert {"key": fields["key"]} in policy["conditions"]


def test_completing_before_uploading_fails_the_export_with_its_reason(upload):
    _failed(upload(b""), "no uploaded file was found")


def test_rejected_samples_are_counted_and_listed_while_the_rest_imports(upload, user):
    xml = (FIXTURES / "dogsheep-export.xml").read_bytes().replace(b'unit="count"', b'unit="furlong"', 1)
    answer = upload(xml, "application/xml")
    assert (answer["status"], answer["samples_rejected"], answer["batch"]["records_created"]) == ("read", 1, 2)
    assert answer["rejected"][0]["field"] == "unit" and answer["rejected"][0]["element"] == 2


def test_chunk_payloads_are_what_the_api_writes_for_the_same_samples(upload, user):
    from healthkit.chunk_payload import chunk_payload
    from healthkit.validation import sample_parse

    with override_settings(HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS=30):
        answer = upload((FIXTURES / "aparser-export.xml").read_bytes(), "application/xml")
    chunks = AppleHealthImportChunk.objects.filter(batch_id=answer["batch"]["id"]).order_by("index")
    items = [sample_parse(raw)[0] for raw in export_xml_samples("aparser-export.xml")]
    expected = [chunk_payload(items[start : start + 3], owner_id=user.pk) for start in range(0, len(items), 3)]
    assert [(chunk.payload, chunk.payload_mac) for chunk in chunks] == [(payload.text, payload.mac) for payload in expected]
    assert [chunk.offset for chunk in chunks] == list(range(0, len(items), 3))


def test_without_an_exports_bucket_the_api_answers_503_in_the_error_shape(api_client):
    with override_settings(HEALTHKIT_EXPORTS_BUCKET=""):
        answer = api_client.post("/api/v1/exports", {}, format="json")
    assert answer.status_code == 503
    assert answer.json() == {"errors": [{"message": "exports are not configured on this server (HEALTHKIT_EXPORTS_BUCKET is empty)"}]}
    assert not AppleHealthExport.objects.exists()


def test_a_reader_of_one_version_refuses_to_read_a_replaced_object(bucket, moto_server):
    from healthkit.exports.s3 import object_changed, object_open, object_version, s3_client

    s3 = moto_server.s3_client()
    s3.put_object(Bucket=bucket, Key="exports/1/x", Body=b"first version " * 1000)
    client = s3_client()
    with override_settings(HEALTHKIT_EXPORT_READ_BLOCK_BYTES=4096):  # one ranged GET per 4 KiB
        stream = object_open(client, "exports/1/x", object_version(client, "exports/1/x"))
    assert stream.read(5) == b"first"
    s3.put_object(Bucket=bucket, Key="exports/1/x", Body=b"second version " * 1000)
    stream.seek(8000)  # past the buffered block: a new ranged GET
    with pytest.raises(Exception) as refused:
        stream.read(10)
    assert object_changed(refused.value)


def test_a_resumed_read_of_a_replaced_upload_fails_the_export_instead_of_mixing_two_files(upload, user):
    created = upload((FIXTURES / "dogsheep-export.xml").read_bytes(), "application/xml", complete=False)
    AppleHealthExport.objects.filter(pk=created["id"]).update(object_etag='"the etag a first claim saw"')
    from rest_framework.test import APIClient

    client = APIClient()
    client.force_authenticate(user)
    assert client.post(f"/api/v1/exports/{created['id']}/complete").status_code == 202
    answer = client.get(f"/api/v1/exports/{created['id']}").json()
    _failed(answer, "was replaced while it was read")


@pytest.mark.parametrize(("body", "field"), [
    ({"content_type": "image/png"}, "content_type"),
    ({"content_type": ["application/zip"]}, "content_type"),
    ({"content_type": "application/zip", "bucket": "someone-elses"}, "bucket"),
    (["application/zip"], "body"),
])
def test_hostile_create_requests_answer_the_error_shape_and_store_nothing(api_client, bucket, body, field):
    answer = api_client.post("/api/v1/exports", body, format="json")
    assert answer.status_code == 400
    assert [error["field"] for error in answer.json()["errors"]] == [field]
    assert not AppleHealthExport.objects.exists()


def test_the_sweeper_sends_the_task_again_for_a_reading_export_whose_worker_is_gone_and_only_then(upload, user):
    from datetime import timedelta

    from django.utils import timezone
    from healthkit.models import AppleHealthImportBatch
    from healthkit.services.exports import exports_sweep
    from healthkit.sync.positions import batch_sequence_next

    created = upload((FIXTURES / "dogsheep-export.xml").read_bytes(), "application/xml", complete=False)
    now, long_ago = timezone.now(), timezone.now() - timedelta(hours=1)
    batch = AppleHealthImportBatch.objects.create(owner=user, sequence=batch_sequence_next(), sealed=False)
    exports = AppleHealthExport.objects.filter(pk=created["id"])
    exports.update(status="reading", batch=batch, attempts=1, heartbeat_at=now, enqueued_at=long_ago, updated_at=long_ago)
    assert exports_sweep(now=now + timedelta(seconds=5)) == []  # its worker is alive: nothing to do
    exports.update(heartbeat_at=long_ago, updated_at=long_ago)

    assert exports_sweep(now=now) == [created["id"]]  # sent; dev mode runs it at once

    export = exports.get()
    assert (export.status, export.attempts, export.samples_read) == ("read", 2, 3)
    assert AppleHealthImportBatch.objects.get(pk=batch.pk).records_created == 3


def test_an_export_whose_worker_is_lost_on_every_claim_ends_failed_with_the_last_error(upload, user):
    from django.conf import settings
    from healthkit.models import AppleHealthImportBatch
    from healthkit.services.exports import export_claim
    from healthkit.sync.positions import batch_sequence_next

    created = upload((FIXTURES / "dogsheep-export.xml").read_bytes(), "application/xml", complete=False)
    batch = AppleHealthImportBatch.objects.create(owner=user, sequence=batch_sequence_next(), sealed=False)
    AppleHealthExport.objects.filter(pk=created["id"]).update(
        status="reading", batch=batch, attempts=settings.HEALTHKIT_EXPORT_MAX_ATTEMPTS, error="ConnectTimeout: S3")

    assert export_claim(export_id=created["id"]) is None

    export = AppleHealthExport.objects.get(pk=created["id"])
    assert export.status == "failed"
    assert export.error == f"reading stopped after {settings.HEALTHKIT_EXPORT_MAX_ATTEMPTS} attempts (a worker lost each time): ConnectTimeout: S3"
    assert AppleHealthImportBatch.objects.get(pk=batch.pk).status == "failed"  # sealed with no chunk


def test_an_owner_holds_at_most_the_open_exports_limit_and_an_ended_or_expired_upload_frees_its_slot(
    bucket, upload, api_client, api_client_for, user_factory
):
    from datetime import timedelta

    from django.utils import timezone

    def create(client=api_client):
        return client.post("/api/v1/exports", {"content_type": "application/zip"}, format="json")

    with override_settings(HEALTHKIT_EXPORTS_OPEN_MAX=2, HEALTHKIT_EXPORT_UPLOAD_EXPIRES=3600):
        first, second = create(), create()
        refused = create()
        assert (first.status_code, second.status_code, refused.status_code) == (201, 201, 429)
        assert refused.json() == {"errors": [{"message": refused.json()["errors"][0]["message"]}]}
        assert refused.json()["errors"][0]["message"].startswith("2 exports are already open")
        assert AppleHealthExport.objects.count() == 2  # nothing written for the refused one

        # an upload link that expired frees its slot; an export being read holds one
        expired = timezone.now() - timedelta(seconds=3601)
        AppleHealthExport.objects.filter(pk=first.json()["id"]).update(created_at=expired)
        third = upload((FIXTURES / "aparser-export.zip").read_bytes())  # read at once (dev mode): not open
        assert third["status"] == "read"
        fourth = create()
        assert (fourth.status_code, create().status_code) == (201, 429)
        AppleHealthExport.objects.filter(pk=fourth.json()["id"]).update(created_at=expired)
        AppleHealthExport.objects.filter(pk=third["id"]).update(status="reading", finished_at=None)  # as mid-read
        assert create().status_code == 429

        # the limit is each owner's own
        assert create(api_client_for(user_factory("bob"))).status_code == 201
