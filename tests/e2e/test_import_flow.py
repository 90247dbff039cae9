"""The whole path: gunicorn (api) -> moto SQS -> `celery worker` -> PostgreSQL, as deployed.

Both processes run with exactly the contract environment (DJANGO_ENV=prod), pointed at the
session's PostgreSQL and moto server through AWS_ENDPOINT_URL_SQS.
"""

import pytest

from localservices.api import ApiClient
from localservices.samples import heart_rate_samples, sleep_sample, workout_sample
from localservices.sqs import queue_depth
from localservices.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK_SIZE = 10


@pytest.fixture
def stack(app_env_factory, sqs_queue_factory, celery_worker_factory, gunicorn_factory):
    queue = sqs_queue_factory(task_time_limit=60)
    env = app_env_factory(queue, chunk_size=CHUNK_SIZE)
    celery_worker_factory(env)
    server = gunicorn_factory(env)
    return queue, server


@pytest.fixture
def api(stack, user, token_for) -> ApiClient:
    _, server = stack
    return ApiClient(server.base_url, token_for(user))


def test_a_sync_of_several_chunks_completes_and_its_samples_are_queryable(api, stack, sqs_client):
    queue, _ = stack
    samples = [*heart_rate_samples(43), sleep_sample(), workout_sample()]
    created = api.import_post(samples)
    assert created.status_code == 202, created.text
    assert created.json()["chunks"] == 5
    status = api.import_wait(created.json()["id"], timeout=60)
    assert (status["status"], status["chunks_succeeded"], status["records_created"], status["progress"]) == (
        "completed",
        5,
        45,
        1.0,
    )
    assert len(api.samples(page_size=20)) == 45
    assert len(api.samples(type="HKWorkoutTypeIdentifier")) == 1
    wait_until(
        lambda: (
            queue_depth(sqs_client, queue.url)
            == {"ApproximateNumberOfMessages": 0, "ApproximateNumberOfMessagesNotVisible": 0}
        ),
        timeout=10,
        message="every message acked",
    )
    assert queue_depth(sqs_client, queue.dlq_url)["ApproximateNumberOfMessages"] == 0


def test_a_resync_of_the_same_samples_is_stored_once_and_reported_as_duplicates(api):
    samples = heart_rate_samples(25)
    first = api.import_wait(api.import_post(samples).json()["id"], timeout=60)
    again = api.import_wait(api.import_post(samples).json()["id"], timeout=60)
    assert (first["records_created"], first["records_duplicate"]) == (25, 0)
    assert (again["status"], again["records_created"], again["records_duplicate"]) == ("completed", 0, 25)
    assert len(api.samples()) == 25


def test_the_api_is_ready_with_its_database_and_queue(stack):
    import requests

    _, server = stack
    response = requests.get(f"{server.base_url}/readyz", timeout=10)
    assert response.status_code == 200
    assert response.json()["checks"] == {"database": "ok", "queue": "ok"}
