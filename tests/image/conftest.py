"""The smoke test of the built image: its containers, run as ECS runs them, on real services.

The image is built once per session by ``scripts/build-image`` (the ``image`` fixture of
tests/conftest.py; seconds when warm). When it cannot be built here, every test of this folder
FAILS with the build's own error: a suite that skipped them would pass with an image nobody has
built. Containers run with the engine that
built the image (``docker run`` or ``buildah run``, see localservices.image) on the host
network, with the contract's environment (localservices.environment) pointed at the session's
PostgreSQL and moto servers.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path

import pytest

from infra import invariants
from localservices.environment import HERMETIC_AWS, contract_environment
from localservices.image import ContainerEngine, ContainerProcess
from localservices.postgres import PostgresServer
from localservices.sqs import MotoServer, SqsQueue

@pytest.fixture
def container_start(engine: ContainerEngine, support_log_dir: Path) -> Iterator[Callable[..., ContainerProcess]]:
    """Start ``command`` as a new container of the image with exactly ``env`` (+ hermetic AWS)."""
    started: list[ContainerProcess] = []

    def start(label: str, command: Sequence[str], env: Mapping[str, str]) -> ContainerProcess:
        running = ContainerProcess.start(engine, command, name=f"image-{label}", log_dir=support_log_dir,
                                         env=HERMETIC_AWS | dict(env))
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop(signal.SIGKILL, timeout=5)
        print(f"--- {running.process.name} ({running.process.log_path}) ---\n{running.process.log_text()[-4000:]}")


@pytest.fixture
def container_run(container_start) -> Callable[..., subprocess.CompletedProcess]:
    """Run ``command`` in a new container to its end; its exit code and output."""

    def run(label: str, command: Sequence[str], env: Mapping[str, str] | None = None, *,
            timeout: float = 120) -> subprocess.CompletedProcess:
        running = container_start(label, command, env or {})
        code = running.process.wait_exit(timeout=timeout)
        return subprocess.CompletedProcess(command, code, running.process.log_text(), "")

    return run


@pytest.fixture
def image_env_factory(postgres_server: PostgresServer, moto_server: MotoServer) -> Callable[..., dict[str, str]]:
    """The contract environment (DJANGO_ENV=prod) for database ``database`` and ``queue``, with the
    deployed heartbeat path and the emulator's endpoint."""

    def build(*, database: str, queue: SqsQueue | None = None, **overrides) -> dict[str, str]:
        app_env = contract_environment(
            db=postgres_server.db_environment(name=database),
            queue_url=queue.url if queue else f"{moto_server.endpoint_url}/123456789012/unused",
            heartbeat_file=Path(invariants.WORKER_HEARTBEAT_FILE),
            **({"chunk_max_attempts": queue.max_receive_count} if queue else {}) | overrides,
        )
        return app_env | moto_server.client_environment()

    return build


@pytest.fixture(scope="session")
def task_containers() -> dict[str, dict]:
    """The api and worker task definitions' containers by name, from the infra's own builders
    (commands and health check as ECS gets them; the placeholder inputs do not matter here)."""
    from infra.containers import (
        EnvironmentInputs,
        SecretInputs,
        api_container_definitions,
        shared_container_settings,
        worker_container_definitions,
    )

    inputs = EnvironmentInputs(
        environment_name="dev", allowed_hosts=["localhost"], db_host="db", db_port=5432, db_name="healthkit",
        db_ssl_mode="require", db_secret_arn="arn:d", region="us-east-1", queue_url="https://sqs/q", task_time_limit_seconds=300,
        task_soft_time_limit_seconds=240, worker_concurrency=2, worker_soft_shutdown_seconds=90,
        worker_heartbeat_max_age_seconds=60, import_chunk_size=1000, chunk_max_attempts=5, gunicorn_workers=2,
        gunicorn_threads=4, emf_namespace="HealthKitImport", emf_service_name="healthkit",
        exports_bucket="healthkit-dev-exports-x", export_max_bytes=2 * 1024**3)
    shared = shared_container_settings(image="unused", environment=inputs,
                                       secrets=SecretInputs(django_secret_key_arn="arn:k"),
                                       log_group_name="/ecs/x", stream_prefix="healthkit")
    return {c["name"]: c for c in api_container_definitions(shared) + worker_container_definitions(shared)}


def health_check_command(container: dict) -> list[str]:
    """An ECS healthCheck's command as an argv (``CMD`` form; ``CMD-SHELL`` through /bin/sh)."""
    kind, *words = container["healthCheck"]["command"]
    return ["/bin/sh", "-c", " ".join(words)] if kind == "CMD-SHELL" else words
