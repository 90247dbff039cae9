"""The image's commands, as the task definitions run them, on real PostgreSQL and moto SQS."""

from __future__ import annotations

import re
import uuid

import pytest
import requests
from healthkit.models import BatchStatus

from localservices.ports import free_port
from localservices.samples import heart_rate_samples
from localservices.waiting import wait_until
from tests.support.imports import batch_with_chunks_create, expected_fingerprints, stored_fingerprints

from .conftest import health_check_command

pytestmark = pytest.mark.django_db(transaction=True)


def _answers(url: str) -> bool:
    try:
        return requests.get(url, timeout=2).status_code == 200
    except requests.RequestException:
        return False


def test_migrate_locked_creates_the_schema_in_an_empty_postgresql_database(
        container_run, image_env_factory, postgres_server, task_containers):
    database = f"image_{uuid.uuid4().hex[:8]}"
    postgres_server.execute(f'CREATE DATABASE "{database}"')

    result = container_run("migrate", task_containers["migrate"]["command"], image_env_factory(database=database))

    assert result.returncode == 0, result.stdout
    tables = {row[0] for row in postgres_server.execute(
        "SELECT tablename FROM pg_tables WHERE schemaname = 'public'", dbname=database)}
    assert {"django_migrations", "healthkit_healthsample", "healthkit_applehealthimportbatch"} <= tables, tables


def test_gunicorn_serves_health_readiness_and_the_admins_css_in_prod_mode(
        container_start, image_env_factory, test_database_name, sqs_queue_factory, task_containers):
    port = free_port()
    env = image_env_factory(database=test_database_name, queue=sqs_queue_factory()) | {
        "GUNICORN_CMD_ARGS": f"--bind 127.0.0.1:{port}",
        "HEALTHKIT_ADMIN_ENABLED": "true",  # as the stack sets it when adminAllowedCidrs lists operators
    }
    api = container_start("api", task_containers["api"]["command"], env)
    base = f"http://127.0.0.1:{port}"
    wait_until(lambda: (api.process.raise_if_exited(), _answers(f"{base}/healthz"))[1], timeout=60,
               message=lambda: f"/healthz from the image's gunicorn:\n{api.process.log_text()[-3000:]}")

    assert requests.get(f"{base}/readyz", timeout=10).status_code == 200
    login = requests.get(f"{base}/admin/login/", timeout=10)
    assert login.status_code == 200
    stylesheets = re.findall(r'<link rel="stylesheet" href="([^"]+\.css)"', login.text)
    assert stylesheets, login.text[:2000]
    for href in stylesheets:
        css = requests.get(f"{base}{href}", timeout=10)
        assert (css.status_code, css.headers["Content-Type"].split(";")[0]) == (200, "text/css"), href
        assert "{" in css.text


def test_the_worker_consumes_a_chunk_from_sqs_and_its_health_check_passes_inside_the_image(
        container_start, image_env_factory, test_database_name, sqs_queue_factory, task_containers, user,
        chunk_messages_send, batch_ended, queue_drained):
    queue = sqs_queue_factory()
    samples = heart_rate_samples(5)
    batch, chunks = batch_with_chunks_create(user, [samples])
    chunk_messages_send(queue, chunks)

    worker = container_start("worker", task_containers["worker"]["command"],
                             image_env_factory(database=test_database_name, queue=queue))
    batch = batch_ended(batch, timeout=90)
    health = worker.exec(health_check_command(task_containers["worker"]))

    assert (batch.status, batch.records_created) == (BatchStatus.COMPLETED, 5), worker.process.log_text()[-3000:]
    assert stored_fingerprints(user) == expected_fingerprints(user, samples)
    queue_drained(queue.url)
    assert health.returncode == 0, health.stdout + health.stderr
    assert worker.stop() == 0, worker.process.log_text()[-3000:]  # SIGTERM: Celery's soft shutdown
