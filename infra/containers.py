"""Container settings and container definitions as pure functions (docs/runtime-contract.md).

:func:`shared_container_settings` builds the ONE environment block, the secrets and the log
configuration, once; :func:`api_container_definitions` and :func:`worker_container_definitions`
put that same object into every container of both task definitions, so their environment and
secrets are byte-identical by construction. Output shapes are those of ECS
RegisterTaskDefinition's ``containerDefinitions``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from infra import invariants as inv


@dataclass(frozen=True)
class EnvironmentInputs:
    """Plain values of the environment block (all resolved; no Pulumi Outputs)."""

    environment_name: str
    allowed_hosts: Sequence[str]
    db_host: str
    db_port: int
    db_name: str
    db_ssl_mode: str
    db_secret_arn: str
    """Secrets Manager secret (JSON ``username``/``password``: RDS-managed or yours) the app reads
    at connect time and again after a rotation (DB_SECRET_ARN; an ARN, not a secret)."""
    region: str
    queue_url: str
    task_time_limit_seconds: int
    task_soft_time_limit_seconds: int
    worker_concurrency: int
    worker_soft_shutdown_seconds: int
    worker_heartbeat_max_age_seconds: int
    import_chunk_size: int
    chunk_max_attempts: int
    gunicorn_workers: int
    gunicorn_threads: int
    emf_namespace: str
    emf_service_name: str
    exports_bucket: str = ""
    """The exports bucket's name (HEALTHKIT_EXPORTS_BUCKET): uploads of the Health app's export.
    Empty: the api answers that exports are not configured. Default: empty."""
    export_max_bytes: int = 2 * 1024**3
    """Largest upload a presigned POST allows (HEALTHKIT_EXPORT_MAX_BYTES), bytes. Default: 2 GiB."""
    admin_enabled: bool = False
    """Route the Django admin (the ALB lets only adminAllowedCidrs reach it). Default: off."""


@dataclass(frozen=True)
class SecretInputs:
    """ARNs of the Secrets Manager secrets ECS puts into the containers (ECS ``secrets``).

    ``django_secret_key_arn`` holds the key as its whole string. The database credentials are
    not here: they rotate, so the app reads them itself (``EnvironmentInputs.db_secret_arn``).
    """

    django_secret_key_arn: str


@dataclass(frozen=True)
class SharedContainerSettings:
    """What every container of both task definitions gets, identically."""

    image: str
    environment: tuple[dict, ...]
    secrets: tuple[dict, ...]
    log_configuration: dict


def environment_block(e: EnvironmentInputs) -> list[dict]:
    """The ONE plain environment block, as ECS ``[{"name", "value"}]`` sorted by name.

    Variable names are runtime-contract.md's; values are strings, as ECS wants them.
    ``AWS_ENDPOINT_URL_SQS`` is never set in AWS.
    """
    env = {
        "DJANGO_ENV": inv.DEPLOYED_DJANGO_ENV,
        "HEALTHKIT_ENVIRONMENT": e.environment_name,
        "DJANGO_ALLOWED_HOSTS": ",".join(dict.fromkeys(h for h in e.allowed_hosts if h)),
        "DB_HOST": e.db_host,
        "DB_PORT": str(e.db_port),
        "DB_NAME": e.db_name,
        "DB_SSLMODE": e.db_ssl_mode,
        "DB_SECRET_ARN": e.db_secret_arn,
        "AWS_REGION": e.region,
        "CELERY_BROKER_URL": "sqs://",
        "CELERY_APPLE_HEALTH_QUEUE_URL": e.queue_url,
        "CELERY_TASK_TIME_LIMIT": str(e.task_time_limit_seconds),
        "CELERY_TASK_SOFT_TIME_LIMIT": str(e.task_soft_time_limit_seconds),
        "CELERY_WORKER_CONCURRENCY": str(e.worker_concurrency),
        "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": str(e.worker_soft_shutdown_seconds),
        "CELERY_WORKER_HEARTBEAT_FILE": inv.WORKER_HEARTBEAT_FILE,
        "CELERY_WORKER_HEARTBEAT_MAX_AGE": str(e.worker_heartbeat_max_age_seconds),
        "HEALTHKIT_IMPORT_CHUNK_SIZE": str(e.import_chunk_size),
        "HEALTHKIT_CHUNK_MAX_ATTEMPTS": str(e.chunk_max_attempts),
        "GUNICORN_WORKERS": str(e.gunicorn_workers),
        "GUNICORN_THREADS": str(e.gunicorn_threads),
        "AWS_EMF_NAMESPACE": e.emf_namespace,
        "AWS_EMF_SERVICE_NAME": e.emf_service_name,
        "AWS_EMF_ENVIRONMENT": "Local",
        # The Django admin is routed only when operators' networks may reach it (adminAllowedCidrs).
        "HEALTHKIT_ADMIN_ENABLED": "true" if e.admin_enabled else "false",
        "HEALTHKIT_EXPORTS_BUCKET": e.exports_bucket,
        "HEALTHKIT_EXPORT_MAX_BYTES": str(e.export_max_bytes),
        # Celery soft shutdown on SIGTERM (ECS stop, Spot reclaim): without it SIGTERM waits without
        # bound and CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT is ignored (docs/operations.md).
        "REMAP_SIGTERM": "SIGQUIT",
    }
    return [{"name": k, "value": v} for k, v in sorted(env.items())]


def secrets_block(s: SecretInputs) -> list[dict]:
    """ECS ``secrets``: DJANGO_SECRET_KEY from Secrets Manager, read once when a task starts.

    Not the database password: ECS would fix it for the task's lifetime, and RDS rotates it every
    7 days; the app reads that secret itself (DB_SECRET_ARN, backend.rotating_postgresql).
    """
    return [{"name": "DJANGO_SECRET_KEY", "valueFrom": s.django_secret_key_arn}]


def log_configuration(*, log_group_name: str, region: str, stream_prefix: str) -> dict:
    """awslogs driver: one log group; streams ``<prefix>/<container>/<task-id>``.

    Non-blocking mode with a 25 MiB buffer keeps a slow CloudWatch from stalling the app.
    """
    return {
        "logDriver": "awslogs",
        "options": {
            "awslogs-group": log_group_name,
            "awslogs-region": region,
            "awslogs-stream-prefix": stream_prefix,
            "mode": "non-blocking",
            "max-buffer-size": "25m",
        },
    }


def shared_container_settings(
    *, image: str, environment: EnvironmentInputs, secrets: SecretInputs,
    log_group_name: str, stream_prefix: str,
) -> SharedContainerSettings:
    """Build the settings every container shares, once."""
    return SharedContainerSettings(
        image=image,
        environment=tuple(environment_block(environment)),
        secrets=tuple(secrets_block(secrets)),
        log_configuration=log_configuration(
            log_group_name=log_group_name, region=environment.region, stream_prefix=stream_prefix),
    )


def _container(shared: SharedContainerSettings, name: str, command: Sequence[str], **extra) -> dict:
    return {
        "name": name,
        "image": shared.image,
        "essential": True,
        "command": list(command),
        "environment": [dict(v) for v in shared.environment],
        "secrets": [dict(v) for v in shared.secrets],
        "logConfiguration": {
            "logDriver": shared.log_configuration["logDriver"],
            "options": dict(shared.log_configuration["options"]),
        },
        "linuxParameters": {"initProcessEnabled": True},
        **extra,
    }


def api_container_definitions(shared: SharedContainerSettings) -> list[dict]:
    """The api task: ``migrate`` (runs once, must succeed) then ``api`` (gunicorn on 8000).

    No container health check: the ALB target group checks ``GET /healthz``.
    """
    migrate = _container(shared, "migrate", inv.MIGRATE_COMMAND, essential=False)
    api = _container(
        shared, "api", inv.API_COMMAND,
        portMappings=[{"name": "http", "containerPort": inv.API_PORT, "protocol": "tcp", "appProtocol": "http"}],
        dependsOn=[{"containerName": "migrate", "condition": "SUCCESS"}],
    )
    return [migrate, api]


def worker_container_definitions(shared: SharedContainerSettings) -> list[dict]:
    """The worker task: Celery, no port, heartbeat health check, stopTimeout 120 s."""
    worker = _container(
        shared, "worker", inv.WORKER_COMMAND,
        healthCheck={**inv.WORKER_HEALTH_CHECK, "command": list(inv.WORKER_HEALTH_CHECK_COMMAND)},
        stopTimeout=inv.WORKER_STOP_TIMEOUT_SECONDS,
    )
    return [worker]
