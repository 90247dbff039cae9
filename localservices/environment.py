"""The containers' environment, as docs/runtime-contract.md defines it, pointed at test servers.

`contract_environment()` returns exactly the contract's plain variables and secrets (what
ECS gives both task definitions); `process_environment()` adds what a local process needs
to reach the emulator (AWS_ENDPOINT_URL_SQS, dummy credentials) and a PATH.
"""

import os
from pathlib import Path

#: docs/runtime-contract.md, "Plain variables"
CONTRACT_PLAIN_VARIABLES = (
    "DJANGO_ENV",
    "HEALTHKIT_ENVIRONMENT",
    "DJANGO_ALLOWED_HOSTS",
    "DB_HOST",
    "DB_PORT",
    "DB_NAME",
    "DB_SSLMODE",
    "AWS_REGION",
    "CELERY_BROKER_URL",
    "CELERY_APPLE_HEALTH_QUEUE_URL",
    "CELERY_TASK_TIME_LIMIT",
    "CELERY_TASK_SOFT_TIME_LIMIT",
    "CELERY_WORKER_CONCURRENCY",
    "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT",
    "CELERY_WORKER_HEARTBEAT_FILE",
    "CELERY_WORKER_HEARTBEAT_MAX_AGE",
    "HEALTHKIT_IMPORT_CHUNK_SIZE",
    "HEALTHKIT_CHUNK_MAX_ATTEMPTS",
    "GUNICORN_WORKERS",
    "GUNICORN_THREADS",
    "AWS_EMF_NAMESPACE",
    "AWS_EMF_SERVICE_NAME",
    "AWS_EMF_ENVIRONMENT",
    "HEALTHKIT_ADMIN_ENABLED",
    "HEALTHKIT_EXPORTS_BUCKET",
    "HEALTHKIT_EXPORT_MAX_BYTES",
)
#: docs/runtime-contract.md, "Secrets"
CONTRACT_SECRETS = ("DJANGO_SECRET_KEY", "DB_USER", "DB_PASSWORD")
#: what prod refuses to start without
PROD_REQUIRED_VARIABLES = (
    "DJANGO_SECRET_KEY",
    "DJANGO_ALLOWED_HOSTS",
    "DB_HOST",
    "DB_USER",
    "DB_PASSWORD",
    "AWS_REGION",
    "CELERY_APPLE_HEALTH_QUEUE_URL",
)

TEST_SECRET_KEY = "test-secret-key-" + "x" * 50


def contract_environment(
    *,
    db: dict[str, str],
    queue_url: str,
    heartbeat_file: Path,
    region: str = "us-east-1",
    task_time_limit: int = 60,
    task_soft_time_limit: int = 50,
    concurrency: int = 2,
    chunk_size: int = 1000,
    heartbeat_max_age: float = 10,
    soft_shutdown_timeout: float = 5,
    environment_name: str = "dev",
    chunk_max_attempts: int = 5,
    exports_bucket: str = "healthkit-exports-test",
    export_max_bytes: int = 2 * 1024**3,
) -> dict[str, str]:
    """Exactly the contract's variables (plain + secrets), for DJANGO_ENV=prod (every stack's mode).

    `db` holds DB_HOST, DB_PORT, DB_NAME, DB_USER, DB_PASSWORD (PostgresServer.db_environment);
    `environment_name` is the stack's name (HEALTHKIT_ENVIRONMENT), `dev` like the dev stack;
    `chunk_max_attempts` is the queue's maxReceiveCount in a stack (app_env_factory does that).
    """
    plain = {
        "DJANGO_ENV": "prod",
        "HEALTHKIT_ENVIRONMENT": environment_name,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1,localhost",
        "DB_HOST": db["DB_HOST"],
        "DB_PORT": db["DB_PORT"],
        "DB_NAME": db["DB_NAME"],
        "DB_SSLMODE": "prefer",
        "AWS_REGION": region,
        "CELERY_BROKER_URL": "sqs://",
        "CELERY_APPLE_HEALTH_QUEUE_URL": queue_url,
        "CELERY_TASK_TIME_LIMIT": str(task_time_limit),
        "CELERY_TASK_SOFT_TIME_LIMIT": str(task_soft_time_limit),
        "CELERY_WORKER_CONCURRENCY": str(concurrency),
        "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT": str(soft_shutdown_timeout),
        "CELERY_WORKER_HEARTBEAT_FILE": str(heartbeat_file),
        "CELERY_WORKER_HEARTBEAT_MAX_AGE": str(heartbeat_max_age),
        "HEALTHKIT_IMPORT_CHUNK_SIZE": str(chunk_size),
        "HEALTHKIT_CHUNK_MAX_ATTEMPTS": str(chunk_max_attempts),
        "GUNICORN_WORKERS": "1",
        "GUNICORN_THREADS": "4",
        "AWS_EMF_NAMESPACE": "HealthKitImportTest",
        "AWS_EMF_SERVICE_NAME": "healthkit",
        "AWS_EMF_ENVIRONMENT": "Local",
        "HEALTHKIT_ADMIN_ENABLED": "false",
        "HEALTHKIT_EXPORTS_BUCKET": exports_bucket,
        "HEALTHKIT_EXPORT_MAX_BYTES": str(export_max_bytes),
    }
    secrets = {
        "DJANGO_SECRET_KEY": TEST_SECRET_KEY,
        "DB_USER": db["DB_USER"],
        "DB_PASSWORD": db["DB_PASSWORD"],
    }
    assert set(plain) == set(CONTRACT_PLAIN_VARIABLES), "keep in step with CONTRACT_PLAIN_VARIABLES"
    return plain | secrets


#: what the image itself sets (Dockerfile ENV), beside the task definitions' environment block:
#: unbuffered stdout (log and EMF lines reach the log driver whole and at once), and SIGTERM
#: remapped to Celery's soft shutdown (backend/shutdown.py; read by billiard at import)
IMAGE_ENVIRONMENT = {"PYTHONUNBUFFERED": "1", "REMAP_SIGTERM": "SIGQUIT"}


#: nothing from this machine's AWS setup may reach a process or container of the app
HERMETIC_AWS = {
    "AWS_CONFIG_FILE": "/nonexistent/aws-config",
    "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
    "AWS_EC2_METADATA_DISABLED": "true",
}


def process_environment(app_env: dict[str, str], *, emulator: dict[str, str] | None = None) -> dict[str, str]:
    """`app_env` plus the image's own variables, PATH, a hermetic AWS config and the emulator's endpoint."""
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "LANG": "C.UTF-8", **HERMETIC_AWS}
    return base | IMAGE_ENVIRONMENT | (emulator or {}) | app_env
