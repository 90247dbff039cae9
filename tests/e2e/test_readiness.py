"""/readyz of a running api names the dependency it cannot reach (why: in its log); /healthz does not care."""

import pytest
import requests

from localservices.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)


def test_readyz_is_503_naming_the_database_when_it_is_unreachable(app_env_factory, sqs_queue_factory, gunicorn_factory):
    env = app_env_factory(sqs_queue_factory(task_time_limit=60)) | {"DB_PORT": str(free_port())}
    server = gunicorn_factory(env)
    ready = requests.get(f"{server.base_url}/readyz", timeout=15)
    assert ready.status_code == 503
    assert ready.json()["checks"] == {"database": "failed", "queue": "ok"}
    server.process.wait_for_log("readiness check database failed: OperationalError", timeout=10)
    assert requests.get(f"{server.base_url}/healthz", timeout=5).status_code == 200
