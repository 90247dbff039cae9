"""Every error the running api gives is the API's JSON error, whoever answers it (gunicorn,
Django, DRF), and its access log never holds a query string."""

import pytest
import requests

from localservices.ports import free_port

pytestmark = pytest.mark.django_db(transaction=True)

SECRET = "0123456789abcdef0123456789abcdef01234567"


def _json_errors(response) -> list[dict]:
    assert response.headers["Content-Type"] == "application/json", response.text[:300]
    return response.json()["errors"]


@pytest.fixture
def api(app_env_factory, sqs_queue_factory, gunicorn_factory):
    return gunicorn_factory(app_env_factory(sqs_queue_factory(task_time_limit=60)))


def test_a_request_line_over_gunicorns_limit_is_a_json_414(api):
    response = requests.get(f"{api.base_url}/api/v1/samples?start={'x' * 10_000}", timeout=10)
    assert response.status_code == 414
    assert _json_errors(response)[0]["message"].startswith("URI Too Long")


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [("get", "/api/v1/imports/not-a-uuid", 404), ("get", "/admin/", 404), ("delete", "/api/v1/imports", 401)],
)
def test_errors_of_a_running_api_are_json(api, method, path, status):
    response = getattr(requests, method)(f"{api.base_url}{path}", timeout=10)
    assert response.status_code == status
    assert _json_errors(response)


def test_the_access_log_has_the_path_but_never_the_query_string(api):
    requests.get(f"{api.base_url}/api/v1/samples?token={SECRET}&start=2024-01-01", timeout=10)
    api.process.wait_for_log(r'GET /api/v1/samples HTTP/1\.1\\" 401', timeout=10)
    assert SECRET not in api.process.log_text()


def test_an_unhandled_error_is_a_json_500(app_env_factory, sqs_queue_factory, gunicorn_factory):
    env = app_env_factory(sqs_queue_factory(task_time_limit=60)) | {"DB_PORT": str(free_port())}
    server = gunicorn_factory(env)
    response = requests.get(
        f"{server.base_url}/api/v1/samples", headers={"Authorization": f"Token {SECRET}"}, timeout=15
    )
    assert response.status_code == 500
    assert _json_errors(response) == [{"message": "internal server error"}]
