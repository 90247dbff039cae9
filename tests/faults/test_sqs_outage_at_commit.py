"""SQS unreachable when a batch commits, then back: the batch is accepted (202: its chunks are
the outbox), nothing is sent meanwhile, and it ends imported, by the worker's sweeper or by
the client's retry with the same Idempotency-Key. Before: a 500, a batch `queued` forever,
and a retry answered 200 with that stuck batch."""

import pytest
from healthkit.models import AppleHealthImportChunk, BatchStatus

from localservices.api import ApiClient
from tests.support.imports import expected_fingerprints, stored_fingerprints
from localservices.samples import heart_rate_samples
from localservices.sqs import queue_depth
from tests.support.tcp_proxy import TcpProxy

pytestmark = pytest.mark.django_db(transaction=True)

SAMPLES = heart_rate_samples(5)
EMPTY = {"ApproximateNumberOfMessages": 0, "ApproximateNumberOfMessagesNotVisible": 0}
#: the worker sweeps every second and sends what was never sent 2 s after its commit
FAST_SWEEPER = {"HEALTHKIT_SWEEPER_INTERVAL": "1", "HEALTHKIT_SWEEPER_SEND_GRACE": "2"}


@pytest.fixture
def sqs_outage(moto_server, sqs_queue_factory, app_env_factory, gunicorn_factory, user, token_for, sqs_client):
    """(queue, api client, proxy): the api reaches SQS only through a proxy the test can cut."""
    proxy = TcpProxy.start(target_port=moto_server.port)
    queue = sqs_queue_factory(task_time_limit=60)
    api = gunicorn_factory(app_env_factory(queue, chunk_size=2) | {"AWS_ENDPOINT_URL_SQS": proxy.url})
    # the client waits longer than gunicorn's 30 s request timeout, so that timeout is what shows
    yield queue, ApiClient(api.base_url, token_for(user), timeout=60), proxy
    proxy.stop()


def _accepted_while_sqs_is_down(client: ApiClient, proxy: TcpProxy, sqs_client, queue, *, silent=False) -> dict:
    with proxy.silent() if silent else proxy.down():
        response = client.import_post(SAMPLES, idempotency_key="sync-outage")
    assert response.status_code == 202, response.text
    created = response.json()
    assert AppleHealthImportChunk.objects.filter(batch_id=created["id"], enqueued_at=None).count() == 3
    assert queue_depth(sqs_client, queue.url) == EMPTY
    return created


def test_the_sweeper_sends_what_sqs_refused_at_commit(
    sqs_outage, user, sqs_client, worker_env_factory, celery_worker_factory
):
    queue, client, proxy = sqs_outage
    created = _accepted_while_sqs_is_down(client, proxy, sqs_client, queue)
    celery_worker_factory(worker_env_factory(queue, extra=FAST_SWEEPER))
    status = client.import_wait(created["id"], timeout=60)
    assert (status["status"], status["records_created"], status["chunks_stalled"]) == (BatchStatus.COMPLETED, 5, 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, SAMPLES)


def test_a_retry_with_the_same_key_sends_what_sqs_refused_and_the_batch_is_imported(
    sqs_outage, user, sqs_client, worker_env_factory, celery_worker_factory
):
    queue, client, proxy = sqs_outage
    created = _accepted_while_sqs_is_down(client, proxy, sqs_client, queue)
    retried = client.import_post(SAMPLES, idempotency_key="sync-outage")
    assert (retried.status_code, retried.json()["id"]) == (200, created["id"])
    assert AppleHealthImportChunk.objects.filter(batch_id=created["id"], enqueued_at=None).count() == 0
    celery_worker_factory(worker_env_factory(queue, extra={"HEALTHKIT_SWEEPER_INTERVAL": "0"}))  # no sweeper
    status = client.import_wait(created["id"], timeout=60)
    assert (status["status"], status["records_created"]) == (BatchStatus.COMPLETED, 5)
    assert stored_fingerprints(user) == expected_fingerprints(user, SAMPLES)


def test_a_silent_sqs_at_commit_is_given_up_on_before_gunicorn_kills_the_request_and_the_sweeper_sends_later(
    sqs_outage, user, sqs_client, worker_env_factory, celery_worker_factory
):
    """SQS taking the connection and never answering (a hung endpoint, a dropped route): with
    botocore's 60 s timeouts the send outlived gunicorn's 30 s timeout and the client got no 202."""
    queue, client, proxy = sqs_outage
    created = _accepted_while_sqs_is_down(client, proxy, sqs_client, queue, silent=True)
    celery_worker_factory(worker_env_factory(queue, extra=FAST_SWEEPER))
    status = client.import_wait(created["id"], timeout=60)
    assert (status["status"], status["records_created"], status["chunks_stalled"]) == (BatchStatus.COMPLETED, 5, 0)
    assert stored_fingerprints(user) == expected_fingerprints(user, SAMPLES)
