"""A real `celery worker` for the benchmarks: the contract environment on the bench servers."""

import json
from datetime import datetime

from bench.environment import BenchServers
from localservices.environment import contract_environment, process_environment
from localservices.processes import CeleryWorker
from localservices.sqs import SqsQueue

READY = " ready."


def worker_start(servers: BenchServers, queue: SqsQueue, *, name: str, overrides: dict[str, str] | None = None):
    """Start a worker (2 processes, as deployed) on `queue`; returns once it consumes."""
    app_env = contract_environment(
        db=servers.db_environment,
        queue_url=queue.url,
        heartbeat_file=servers.log_dir / f"{name}-heartbeat",
        task_time_limit=60,
        task_soft_time_limit=50,
        concurrency=2,
    )
    env = process_environment(app_env | (overrides or {}), emulator=servers.moto.client_environment())
    return CeleryWorker.start(env=env, log_dir=servers.log_dir / name)


def ready_time(worker: CeleryWorker) -> float:
    """When the worker said it was ready (epoch seconds), from its JSON log line."""
    for line in worker.log_text().splitlines():
        if line.startswith("{") and READY in line:
            return datetime.fromisoformat(json.loads(line)["time"]).timestamp()
    raise RuntimeError(f"no ready line in {worker.process.log_path}")
