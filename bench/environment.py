"""The benchmark's servers (PostgreSQL, moto SQS), and Django in this process pointed at them."""

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_DIR = REPO_ROOT / "app"
DATABASE_NAME = "healthkit_bench"

if str(APP_DIR) not in sys.path:  # the app's packages (backend, healthkit), as in the image's WORKDIR
    sys.path.insert(0, str(APP_DIR))

from localservices.postgres import PostgresServer  # noqa: E402 - needs the path above
from localservices.sqs import MotoServer  # noqa: E402


@dataclass(frozen=True)
class BenchServers:
    postgres: PostgresServer
    moto: MotoServer
    log_dir: Path

    @property
    def db_environment(self) -> dict[str, str]:
        return self.postgres.db_environment(name=DATABASE_NAME)


@contextmanager
def bench_servers() -> Iterator[BenchServers]:
    """PostgreSQL (with a migrated `healthkit_bench` database) and moto (recording), stopped after."""
    log_dir = Path(tempfile.mkdtemp(prefix="healthkit-bench-"))
    postgres = PostgresServer.start()
    moto = None
    try:
        moto = MotoServer.start(log_dir=log_dir, recording_file=log_dir / "moto-recording.jsonl")
        postgres.execute(f'CREATE DATABASE "{DATABASE_NAME}"')
        servers = BenchServers(postgres=postgres, moto=moto, log_dir=log_dir)
        _django_setup(servers.db_environment)
        yield servers
    finally:
        if moto is not None:
            moto.stop()
        postgres.stop()


def _django_setup(db_environment: dict[str, str]) -> None:
    """Django in this process, on the bench database (dev mode: nothing is enqueued), migrated."""
    os.environ.update(db_environment)
    os.environ.update(
        {"DJANGO_SETTINGS_MODULE": "backend.settings", "DJANGO_ENV": "dev", "DJANGO_LOG_LEVEL": "WARNING"}
    )
    for name in ("CELERY_APPLE_HEALTH_QUEUE_URL", "AWS_ENDPOINT_URL_SQS"):
        os.environ.pop(name, None)
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)
