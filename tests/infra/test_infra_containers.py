"""infra/containers.py: the ONE container settings object and the container definitions."""

from __future__ import annotations

from infra.containers import (
    EnvironmentInputs,
    SecretInputs,
    api_container_definitions,
    environment_block,
    shared_container_settings,
    worker_container_definitions,
)

ENV = EnvironmentInputs(
    environment_name="dev", allowed_hosts=["api.example.com", "", "lb.example.com", "api.example.com"], db_host="db",
    db_port=5432, db_name="healthkit", db_ssl_mode="require", db_secret_arn="arn:db", region="eu-west-1", queue_url="https://sqs/q",
    task_time_limit_seconds=300, task_soft_time_limit_seconds=240, worker_concurrency=2,
    worker_soft_shutdown_seconds=90, worker_heartbeat_max_age_seconds=60, import_chunk_size=1000, chunk_max_attempts=5,
    gunicorn_workers=2, gunicorn_threads=4, emf_namespace="HealthKitImport", emf_service_name="healthkit")
SECRETS = SecretInputs(django_secret_key_arn="arn:django")
SHARED = shared_container_settings(image="repo@sha256:" + "0" * 64, environment=ENV, secrets=SECRETS,
                                   log_group_name="/ecs/x", stream_prefix="healthkit")


def test_environment_is_sorted_strings_with_hosts_deduplicated():
    block = environment_block(ENV)

    assert [e["name"] for e in block] == sorted(e["name"] for e in block)
    assert all(isinstance(e["value"], str) for e in block)
    assert {e["name"]: e["value"] for e in block}["DJANGO_ALLOWED_HOSTS"] == "api.example.com,lb.example.com"


def test_every_container_of_both_tasks_shares_one_environment_secrets_and_log_settings():
    every = api_container_definitions(SHARED) + worker_container_definitions(SHARED)

    assert len({repr((c["image"], c["environment"], c["secrets"], c["logConfiguration"])) for c in every}) == 1
    assert [c["name"] for c in every] == ["migrate", "api", "worker"]


def test_logs_go_to_one_group_without_blocking_the_app():
    options = SHARED.log_configuration["options"]

    assert (SHARED.log_configuration["logDriver"], options["awslogs-group"], options["mode"]) == \
        ("awslogs", "/ecs/x", "non-blocking")


def test_the_database_secret_is_named_for_the_app_to_read_and_only_the_django_key_is_injected():
    env = {e["name"]: e["value"] for e in SHARED.environment}

    assert {s["name"]: s["valueFrom"] for s in SHARED.secrets} == {"DJANGO_SECRET_KEY": "arn:django"}
    assert env["DB_SECRET_ARN"] == "arn:db"
    assert not {"DB_USER", "DB_PASSWORD"} & set(env)
