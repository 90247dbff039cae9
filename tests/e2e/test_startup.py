"""Both container commands, started as ECS starts them: with an empty prod environment they
stop with ONE message naming every missing variable; with exactly the contract's variables
they serve (gunicorn) and consume (celery worker, heartbeat)."""

import sys

import pytest
import requests
from backend.celery import WORKER_WITHOUT_QUEUE
from backend.env import CONFIGURATION_INVALID, MISSING_VARIABLES

from localservices.environment import PROD_REQUIRED_VARIABLES, process_environment
from localservices.ports import free_port
from localservices.processes import APP_DIR, QUEUE_NAME, ManagedProcess, run_app_command, venv_binary
from localservices.waiting import wait_until

EXPECTED_ERROR = "ImproperlyConfigured: " + CONFIGURATION_INVALID.format(
    django_env="prod", problems=MISSING_VARIABLES.format(names=", ".join(PROD_REQUIRED_VARIABLES))
)

COMMANDS = {
    "gunicorn": lambda: [venv_binary("gunicorn"), "backend.wsgi:application", "--bind", f"127.0.0.1:{free_port()}"],
    "celery worker": lambda: [
        venv_binary("celery"),
        "-A",
        "backend",
        "worker",
        "--queues",
        QUEUE_NAME,
        "--loglevel",
        "INFO",
    ],
}


@pytest.mark.parametrize("command", COMMANDS, ids=list(COMMANDS))
def test_an_empty_prod_environment_stops_the_command_naming_every_missing_variable(command, support_log_dir):
    process = ManagedProcess.start(
        COMMANDS[command](),
        name=command.replace(" ", "-"),
        log_dir=support_log_dir,
        env=process_environment({"DJANGO_ENV": "prod"}),
        cwd=APP_DIR,
    )
    try:
        exit_code = process.wait_exit(timeout=60)
    finally:
        process.stop()
    assert exit_code != 0
    assert EXPECTED_ERROR in process.log_text()


@pytest.mark.django_db(transaction=True)
def test_with_the_contract_environment_gunicorn_serves_and_the_worker_heartbeats(
    app_env_factory, sqs_queue_factory, celery_worker_factory, gunicorn_factory
):
    env = app_env_factory(sqs_queue_factory(task_time_limit=60))
    server = gunicorn_factory(env)
    worker = celery_worker_factory(env)
    assert requests.get(f"{server.base_url}/healthz", timeout=5).status_code == 200
    health = run_app_command([sys.executable, "-m", "backend.health", "worker"], env=env)
    assert health.returncode == 0, health.stderr
    worker.stop(graceful=True)
    assert not worker.heartbeat_file.exists()
    after = run_app_command([sys.executable, "-m", "backend.health", "worker"], env=env)
    assert after.returncode == 1
    assert after.stderr.startswith("unhealthy: heartbeat file")


@pytest.mark.django_db(transaction=True)
def test_the_worker_keeps_its_heartbeat_fresh_while_consuming(
    app_env_factory, sqs_queue_factory, celery_worker_factory
):
    env = app_env_factory(sqs_queue_factory(task_time_limit=60), heartbeat_max_age=2)  # touched every 0.5 s
    worker = celery_worker_factory(env)
    first = worker.heartbeat_file.stat().st_mtime
    wait_until(lambda: worker.heartbeat_file.stat().st_mtime > first + 1, timeout=5, message="a newer heartbeat")


def test_a_dev_worker_without_a_queue_url_refuses_to_start(support_log_dir):
    process = ManagedProcess.start(
        COMMANDS["celery worker"](),
        name="celery-eager",
        log_dir=support_log_dir,
        env=process_environment({}),
        cwd=APP_DIR,
    )
    try:
        exit_code = process.wait_exit(timeout=60)
    finally:
        process.stop()
    assert exit_code != 0
    assert WORKER_WITHOUT_QUEUE in process.log_text()
