"""Real HealthKit data (tests/fixtures/healthkit) through gunicorn -> SQS (moto) -> celery worker -> PostgreSQL.

export.xml fixtures are converted as an iOS client would (healthkit.exportxml) and posted as JSON;
Health Auto Export bodies are posted as the app sends them.
"""

import pytest

from localservices.api import ApiClient
from tests.support.fixtures import EXPORT_XML_FILES, HEALTH_AUTO_EXPORT_FILES, export_xml_samples, health_auto_export_body

pytestmark = pytest.mark.django_db(transaction=True)
HAE_PATH = "/api/v1/imports/health-auto-export"


@pytest.fixture
def api(app_env_factory, sqs_queue_factory, celery_worker_factory, gunicorn_factory, user, token_for) -> ApiClient:
    env = app_env_factory(sqs_queue_factory(task_time_limit=60), chunk_size=4)
    celery_worker_factory(env)
    return ApiClient(gunicorn_factory(env).base_url, token_for(user))


def _imported(api: ApiClient, body: dict, *, path: str = "/api/v1/imports") -> dict:
    response = api.import_body_post(body, path=path)
    assert response.status_code == 202, response.text
    return api.import_wait(response.json()["id"], timeout=60)


def _by_time(samples: list[dict]) -> dict:
    return {(sample["type"], sample["start"], sample["end"]): sample for sample in samples}


def test_every_export_xml_fixture_imports_reads_back_exact_and_reimports_as_nothing(api):
    for name in EXPORT_XML_FILES:
        samples = export_xml_samples(name)
        first = _imported(api, {"samples": samples})
        again = _imported(api, {"samples": samples})
        assert first["status"] == again["status"] == "completed", name
        assert again["records_created"] == 0, name
    stored = _by_time(api.samples())
    for name in EXPORT_XML_FILES:
        for sample in export_xml_samples(name):
            row = stored[(sample["type"], sample["start"], sample["end"])]  # start/end as written, offsets included
            assert (row["value"], row["unit"] or None, row["source_name"]) == (sample["value"], sample.get("unit"), sample["source_name"])
            assert row["metadata"] == sample.get("metadata", {})


def test_the_re_export_with_other_offsets_creates_no_rows(api):
    _imported(api, {"samples": export_xml_samples("dogsheep-export.xml")})
    status = _imported(api, {"samples": export_xml_samples("dogsheep-zip-export.xml")})
    assert (status["records_created"], status["records_duplicate"]) == (0, 3)


def test_every_health_auto_export_fixture_imports_and_reimports_as_nothing(api):
    created = {}
    for name in HEALTH_AUTO_EXPORT_FILES:
        body = health_auto_export_body(name)
        created[name] = _imported(api, body, path=HAE_PATH)["records_created"]
        assert _imported(api, body, path=HAE_PATH)["records_created"] == 0, name
    # 05 repeats 01's energy, 06-08 repeat 02-04: the same measurements are stored once
    assert [created[f"health-auto-export-0{i}.json"] for i in (5, 6, 7, 8)] == [0, 0, 0, 0]
    stored = api.samples()
    energy = sorted(
        (s["value"], s["canonical_value"], s["canonical_unit"])
        for s in stored
        if s["type"] == "HKQuantityTypeIdentifierActiveEnergyBurned" and s["unit"] == "kJ" and s["start"] == s["end"]
    )
    assert energy == [
        (0.377848256251549, pytest.approx(0.377848256251549 / 4.184, rel=1e-9), "kcal"),
        (0.7685677437484512, pytest.approx(0.7685677437484512 / 4.184, rel=1e-9), "kcal"),
    ]
    walk = next(s for s in stored if s["type"] == "HKWorkoutTypeIdentifier")
    assert (walk["workout_activity_type"], walk["start"], walk["value"]) == ("HKWorkoutActivityTypeWalking", "2021-12-24T08:02:43+08:00", 1150.0)
