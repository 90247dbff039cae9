"""End to end: samples per second from the first POST to the last committed row.

One api (gunicorn with the contract's settings: one worker process, 4 threads) and real
`celery worker`s on one moto queue, already consuming; N clients (threads, one user each, so
that owners' advisory locks do not serialize them) POST their requests at once. The time runs
from the first POST to the last chunk's `finished_at` (its commit); the rows are counted. The
same load runs with 1, 2 and 4 worker processes (worker tasks of concurrency 2 from 2 on): on
this 2-core machine the api, the workers and PostgreSQL share the cores, so it is the curve's
shape that tells, not its height.
"""

import threading
import time
from dataclasses import dataclass

from bench.api_ingest import api_start, api_token, bodies, post_all
from bench.environment import BenchServers
from bench.workers import worker_start


@dataclass(frozen=True)
class EndToEndResult:
    worker_processes: int
    clients: int
    samples: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.samples / self.seconds

    def as_dict(self) -> dict:
        return {
            "worker_processes": self.worker_processes,
            "clients": self.clients,
            "samples": self.samples,
            "seconds": self.seconds,
            "samples_per_second": self.per_second,
        }


def _workers(servers: BenchServers, queue, processes: int, name: str) -> list:
    """Worker tasks of concurrency 2 (one of concurrency 1 for a single process)."""
    if processes == 1:
        return [worker_start(servers, queue, name=f"{name}-0", overrides={"CELERY_WORKER_CONCURRENCY": "1"})]
    return [worker_start(servers, queue, name=f"{name}-{i}") for i in range(processes // 2)]


def _rows_committed(tokens: list[str]) -> tuple[int, int, float | None]:
    """(chunks not ended, sample rows, last chunk end as epoch seconds) of the tokens' users."""
    from django.db.models import Max
    from healthkit.models import CHUNK_FINAL_STATUSES, AppleHealthImportChunk, HealthSample
    from rest_framework.authtoken.models import Token

    owners = list(Token.objects.filter(key__in=tokens).values_list("user_id", flat=True))
    chunks = AppleHealthImportChunk.objects.filter(batch__owner__in=owners)
    open_chunks = chunks.exclude(status__in=CHUNK_FINAL_STATUSES).count()
    last = chunks.aggregate(last=Max("finished_at"))["last"]
    rows = HealthSample.objects.filter(owner__in=owners).count()
    return open_chunks, rows, last.timestamp() if last else None


def end_to_end(
    servers: BenchServers, *, processes: int, clients: int, requests_per_client: int, size: int, first: int
) -> EndToEndResult:
    name = f"e2e-{processes}"
    api, queue = api_start(servers, name=f"{name}-api", threads=4)
    workers = _workers(servers, queue, processes, name)
    try:
        tokens = [api_token(f"{name}-client{i}") for i in range(clients)]
        payloads = [
            bodies(requests_per_client, size, first=first + i * requests_per_client * size) for i in range(clients)
        ]
        errors: list[BaseException] = []

        def client(token: str, mine: list[bytes]) -> None:
            try:
                post_all(api.base_url, token, mine)
            except BaseException as exc:  # reported below
                errors.append(exc)

        threads = [threading.Thread(target=client, args=(t, p)) for t, p in zip(tokens, payloads, strict=True)]
        started = time.time()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        if errors:
            raise errors[0]
        expected = clients * requests_per_client * size
        deadline = time.monotonic() + 600
        while True:
            open_chunks, rows, last = _rows_committed(tokens)
            if open_chunks == 0 or time.monotonic() > deadline:
                break
            time.sleep(0.1)
        if open_chunks or rows != expected:
            raise RuntimeError(f"{name}: {open_chunks} chunks still open, {rows} of {expected} rows committed")
    finally:
        for worker in workers:
            worker.stop(graceful=False)
        api.stop(graceful=False)
    return EndToEndResult(processes, clients, rows, last - started)
