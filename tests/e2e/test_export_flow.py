"""Every real export fixture (zip and xml) uploaded through the presigned flow to the moto server's
S3, read by a real `celery worker`, answered by gunicorn: the samples read back equal a direct
API import of the same records (converted by the same converter); a second upload creates 0 rows."""

import zipfile

import pytest

from localservices.api import ApiClient
from tests.support.exports import bucket_create, export_uploaded_and_completed, export_wait
from tests.support.fixtures import EXPORT_XML_FILES, FIXTURES

pytestmark = pytest.mark.django_db(transaction=True)

EXPORT_FILES = (*EXPORT_XML_FILES, "aparser-export.zip")
#: what differs between two owners' copies of the same sample
PER_OWNER_FIELDS = ("id", "created_at", "updated_at", "import_batch", "position")


@pytest.fixture
def stack(app_env_factory, sqs_queue_factory, celery_worker_factory, gunicorn_factory, moto_server):
    env = app_env_factory(
        sqs_queue_factory(task_time_limit=60), chunk_size=4, exports_bucket=bucket_create(moto_server.s3_client())
    )
    celery_worker_factory(env)
    return gunicorn_factory(env)


@pytest.fixture
def clients(stack, user_factory, token_for) -> tuple[ApiClient, ApiClient]:
    return ApiClient(stack.base_url, token_for(user_factory())), ApiClient(stack.base_url, token_for(user_factory()))


def _exported(api: ApiClient, name: str) -> dict:
    content_type = "application/zip" if name.endswith(".zip") else "application/xml"
    completed = export_uploaded_and_completed(api, (FIXTURES / name).read_bytes(), content_type=content_type)
    again = api.session.post(completed["complete_url"], timeout=10)
    assert again.status_code == 200 and again.json()["batch"]["id"] == completed["batch"]["id"]
    return export_wait(lambda: api.session.get(completed["status_url"], timeout=10).json(), timeout=90)


def _xml_of(name: str):
    """The export.xml a fixture holds, as the client would convert it (the product converter)."""
    from healthkit.exportxml import export_samples

    if name.endswith(".zip"):
        with zipfile.ZipFile(FIXTURES / name) as archive, archive.open("apple_health_export/export.xml") as xml:
            return list(export_samples(xml))
    return list(export_samples(str(FIXTURES / name)))


def _comparable(samples: list[dict]) -> list[dict]:
    rows = [{key: value for key, value in sample.items() if key not in PER_OWNER_FIELDS} for sample in samples]
    return sorted(rows, key=lambda row: repr(sorted(row.items())))


def test_every_export_fixture_uploaded_reads_back_as_the_direct_import_and_a_second_upload_adds_nothing(clients):
    exporter, direct = clients
    for name in EXPORT_FILES:
        status = _exported(exporter, name)
        assert (status["status"], status["error"], status["batch"]["status"]) == ("read", None, "completed"), status
        assert status["file_deleted"] and status["samples_rejected"] == 0
        samples = _xml_of(name)
        assert status["samples_read"] == len(samples) == status["batch"]["records_received"]
        posted = direct.import_body_post({"samples": samples})
        assert posted.status_code == 202, posted.text
        direct.import_wait(posted.json()["id"], timeout=60)
        assert _comparable(exporter.samples()) == _comparable(direct.samples()), name
    stored = len(exporter.samples())
    assert stored > 0
    for name in EXPORT_FILES:
        again = _exported(exporter, name)
        assert (again["status"], again["batch"]["records_created"]) == ("read", 0), name
        assert again["batch"]["records_duplicate"] == again["samples_read"]
    assert len(exporter.samples()) == stored


def test_an_export_of_another_owner_is_not_found(clients):
    exporter, other = clients
    created = exporter.session.post(f"{exporter.base_url}/api/v1/exports", json={}, timeout=10).json()
    assert other.session.get(created["status_url"], timeout=10).status_code == 404
    assert other.session.post(created["complete_url"], timeout=10).status_code == 404
    assert exporter.session.get(created["status_url"], timeout=10).json()["status"] == "awaiting_upload"


def test_a_bad_create_request_answers_the_error_shape(clients):
    exporter, _ = clients
    answer = exporter.session.post(f"{exporter.base_url}/api/v1/exports", json={"content_type": "image/png", "x": 1}, timeout=10)
    assert answer.status_code == 400
    assert answer.json() == {"errors": [{"field": "x", "message": "unknown field"}]}
    answer = exporter.session.post(f"{exporter.base_url}/api/v1/exports", json={"content_type": "image/png"}, timeout=10)
    assert answer.json()["errors"][0]["field"] == "content_type"
