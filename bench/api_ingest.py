"""API ingest: what ONE gunicorn worker process accepts, per request size.

A real `gunicorn` (the contract's environment, one worker process with one thread, so one request
at a time: one core's worth) on the bench's PostgreSQL and moto SQS. One client POSTs requests of
distinct samples back to back; each request is parsed, validated, written as a batch and its
chunks, and its messages sent to moto (no worker consumes them here). Per request size: samples/s
over the whole run, p50/p95 latency, and the worker process's peak RSS above its idle RSS (its
peak is reset before each size through /proc/<pid>/clear_refs).
"""

import json
import statistics
import time
from dataclasses import dataclass
from pathlib import Path

import requests

from bench.environment import BenchServers
from bench.import_throughput import raw_samples
from bench.procstat import child_pids, status_kib
from localservices.environment import contract_environment, process_environment
from localservices.processes import GunicornServer
from localservices.sqs import sqs_queue_create


@dataclass(frozen=True)
class IngestResult:
    samples_per_request: int
    requests: int
    seconds: float
    latencies: tuple[float, ...]
    peak_rss_growth_mib: float | None  # None where /proc cannot tell

    @property
    def per_second(self) -> float:
        return self.samples_per_request * self.requests / self.seconds

    @property
    def p50(self) -> float:
        return statistics.median(self.latencies)

    @property
    def p95(self) -> float:
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]

    def as_dict(self) -> dict:
        return {
            "samples_per_request": self.samples_per_request,
            "requests": self.requests,
            "seconds": self.seconds,
            "samples_per_second": self.per_second,
            "latency_p50_s": self.p50,
            "latency_p95_s": self.p95,
            "peak_rss_growth_mib": self.peak_rss_growth_mib,
        }


def api_token(username: str) -> str:
    """A new user and their API token (in the bench database)."""
    import uuid

    from django.contrib.auth import get_user_model
    from rest_framework.authtoken.models import Token

    user = get_user_model().objects.create_user(username=f"{username}-{uuid.uuid4().hex[:8]}")
    return Token.objects.create(user=user).key


def api_start(servers: BenchServers, *, name: str, threads: int = 1, queue=None) -> tuple[GunicornServer, object]:
    """gunicorn with one worker process (`threads` threads) on a new queue (or `queue`); (server, queue)."""
    queue = queue or sqs_queue_create(servers.moto.sqs_client(), task_time_limit=60)
    app_env = contract_environment(
        db=servers.db_environment, queue_url=queue.url, heartbeat_file=servers.log_dir / f"{name}-heartbeat"
    ) | {"GUNICORN_WORKERS": "1", "GUNICORN_THREADS": str(threads)}
    env = process_environment(app_env, emulator=servers.moto.client_environment())
    return GunicornServer.start(env=env, log_dir=servers.log_dir / name), queue


def _worker_pid(server: GunicornServer) -> int | None:
    pids = child_pids(server.process.pid)
    return pids[0] if pids else None


def _peak_reset(pid: int | None) -> int | None:
    """Reset the process's peak RSS (VmHWM); its RSS now (KiB), or None."""
    if pid is None:
        return None
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return None
    return status_kib(pid, "VmRSS")


def bodies(count: int, size: int, *, first: int) -> list[bytes]:
    """`count` request bodies of `size` distinct samples each (samples numbered from `first`)."""
    samples = raw_samples(count * size, start=first)
    return [json.dumps({"samples": samples[i * size : (i + 1) * size]}).encode() for i in range(count)]


def post_all(base_url: str, token: str, payloads: list[bytes]) -> tuple[float, list[float]]:
    """POST each body in turn on one connection; (seconds in all, each request's latency)."""
    session = requests.Session()
    session.headers.update({"Authorization": f"Token {token}", "Content-Type": "application/json"})
    latencies = []
    started = time.perf_counter()
    for body in payloads:
        sent = time.perf_counter()
        response = session.post(f"{base_url}/api/v1/imports", data=body, timeout=120)
        latencies.append(time.perf_counter() - sent)
        if response.status_code != 202:
            raise RuntimeError(f"POST answered {response.status_code}: {response.text[:500]}")
    return time.perf_counter() - started, latencies


def api_ingest(servers: BenchServers, *, sizes: tuple[int, ...], requests_per_size: int) -> list[IngestResult]:
    """One gunicorn worker process, one request at a time, for each request size."""
    server, _ = api_start(servers, name="api-ingest")
    try:
        token = api_token("bench-api")
        pid = _worker_pid(server)
        warm = bodies(2, min(sizes), first=0)
        post_all(server.base_url, token, warm)  # warm: imports, connections
        results, first = [], 2 * min(sizes)
        for size in sizes:
            payloads = bodies(requests_per_size, size, first=first)
            first += requests_per_size * size
            idle_kib = _peak_reset(pid)
            seconds, latencies = post_all(server.base_url, token, payloads)
            peak_kib = status_kib(pid, "VmHWM") if idle_kib is not None else None
            growth = (peak_kib - idle_kib) / 1024 if peak_kib is not None else None
            results.append(IngestResult(size, len(payloads), seconds, tuple(latencies), growth))
    finally:
        server.stop(graceful=False)
    return results
