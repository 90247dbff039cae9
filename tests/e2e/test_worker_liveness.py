"""The worker's liveness, as ECS sees it through `python -m backend.health worker`: the heartbeat
file is kept fresh by the consumer's event loop (the main process), not by the pool processes
that run chunks. A blocked loop turns the check red within the max age; a long chunk does not."""

import signal
import sys
import time

import pytest

from tests.support.database_faults import (
    WORKER_APPLICATION_NAME,
    WORKER_SESSIONS,
    backends_waiting_on_lock,
    sample_insert_held,
)
from tests.support.imports import batch_with_chunks_create
from localservices.processes import run_app_command
from localservices.samples import heart_rate_samples
from localservices.waiting import wait_until

pytestmark = pytest.mark.django_db(transaction=True)

MAX_AGE = 2  # seconds (CELERY_WORKER_HEARTBEAT_MAX_AGE): touched every 0.5 s
#: how long the health command may take to notice, beyond the max age: polling and process start-up
CHECK_MARGIN = 4


def _health(env):
    return run_app_command([sys.executable, "-m", "backend.health", "worker"], env=env)


def test_a_worker_whose_consumer_loop_is_stopped_turns_unhealthy_within_the_max_age(
    app_env_factory, sqs_queue_factory, celery_worker_factory
):
    env = app_env_factory(sqs_queue_factory(task_time_limit=60), heartbeat_max_age=MAX_AGE)
    worker = celery_worker_factory(env)
    assert _health(env).returncode == 0
    worker.process.send_signal(signal.SIGSTOP)  # the main process: its event loop stops
    try:
        unhealthy = wait_until(
            lambda: result if (result := _health(env)).returncode == 1 else None,
            timeout=MAX_AGE + CHECK_MARGIN,
            interval=0.2,
            message="the health check to fail",
        )
    finally:
        worker.process.send_signal(signal.SIGCONT)
    assert unhealthy.stderr.startswith(f"unhealthy: heartbeat file {worker.heartbeat_file} is ")
    assert unhealthy.stderr.strip().endswith(f"(max {MAX_AGE} s)")


def test_a_worker_busy_with_a_chunk_longer_than_the_max_age_stays_healthy(
    user,
    postgres_server,
    test_database_name,
    app_env_factory,
    sqs_queue_factory,
    celery_worker_factory,
    chunk_messages_send,
    worker_sessions_blocked,
):
    queue = sqs_queue_factory(task_time_limit=60)
    env = app_env_factory(queue, heartbeat_max_age=MAX_AGE) | WORKER_SESSIONS
    samples = heart_rate_samples(4)
    _, (chunk,) = batch_with_chunks_create(user, [samples])
    chunk_messages_send(queue, [chunk])

    with sample_insert_held(user, samples[1]):
        worker = celery_worker_factory(env)
        worker_sessions_blocked()
        busy_since = time.time()
        wait_until(
            lambda: worker.heartbeat_file.stat().st_mtime > busy_since + 2 * MAX_AGE,
            timeout=2 * MAX_AGE + CHECK_MARGIN,
            message="a heartbeat written after the chunk ran for twice the max age",
        )
        health = _health(env)
        still_running = backends_waiting_on_lock(
            postgres_server, test_database_name, application_name=WORKER_APPLICATION_NAME
        )
    assert health.returncode == 0, health.stderr
    assert still_running
