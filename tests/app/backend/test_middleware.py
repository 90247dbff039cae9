"""/healthz and /readyz, answered by the first middleware (in-process)."""

import pytest
from backend import readiness
from backend.middleware import CHECK_FAILED
from backend.readiness import CHECK_OK

ALB_HOST = "10.0.1.23:8000"  # an ALB health check's Host: the task's private IP


@pytest.fixture
def strict_hosts(settings):
    settings.ALLOWED_HOSTS = ["api.example.com"]


def test_healthz_answers_whatever_the_host(client, strict_hosts):
    response = client.get("/healthz", HTTP_HOST=ALB_HOST)
    assert (response.status_code, response.json()) == (200, {"status": "ok"})


def test_other_paths_still_validate_the_host(client, strict_hosts):
    assert client.get("/api/v1/samples", HTTP_HOST=ALB_HOST).status_code == 400


@pytest.mark.django_db
def test_readyz_is_ok_when_the_database_answers_and_tasks_run_in_process(client, strict_hosts):
    response = client.get("/readyz", HTTP_HOST=ALB_HOST)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": CHECK_OK, "queue": CHECK_OK}}


@pytest.fixture
def app_on_moto(settings, monkeypatch, moto_server):
    """The in-process app pointed at the moto server's SQS, as tasks would be in AWS."""
    for name, value in moto_server.client_environment().items():
        monkeypatch.setenv(name, value)
    settings.CELERY_TASK_ALWAYS_EAGER = False
    readiness._sqs_client.cache_clear()
    yield settings
    readiness._sqs_client.cache_clear()


@pytest.mark.django_db
def test_readyz_is_ok_when_the_queue_is_reachable(client, app_on_moto, sqs_queue_factory):
    app_on_moto.CELERY_APPLE_HEALTH_QUEUE_URL = sqs_queue_factory().url
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": CHECK_OK, "queue": CHECK_OK}


@pytest.mark.django_db
def test_readyz_is_503_naming_the_queue_when_it_is_unreachable_and_logs_why(client, app_on_moto, moto_server, caplog):
    app_on_moto.CELERY_APPLE_HEALTH_QUEUE_URL = f"{moto_server.endpoint_url}/123456789012/no-such-queue"
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.json() == {"status": "unavailable", "checks": {"database": CHECK_OK, "queue": CHECK_FAILED}}
    assert moto_server.endpoint_url not in response.content.decode()  # no internal endpoint to the public
    assert "readiness check queue failed: QueueDoesNotExist" in caplog.text
