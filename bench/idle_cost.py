"""Idle cost: the SQS requests an idle worker makes, counted by the moto server's recorder.

One worker (the project's settings, 2 pool processes) on an empty queue, for a bounded
window; only requests about that queue count (other benchmarks may run meanwhile).
With long polling (20 s), its one consumer makes about 3 ReceiveMessage calls a minute;
the pool processes never poll.
"""

import threading
from collections import Counter
from dataclasses import dataclass

from bench.environment import BenchServers
from bench.workers import worker_start
from localservices.sqs import sqs_queue_create, sqs_requests_by_action


@dataclass(frozen=True)
class IdleResult:
    seconds: float
    requests: Counter
    pool_processes: int

    @property
    def receives_per_minute(self) -> float:
        return self.requests["ReceiveMessage"] * 60 / self.seconds

    @property
    def requests_per_minute(self) -> float:
        return sum(self.requests.values()) * 60 / self.seconds


class IdleWorker:
    """An idle worker being watched: `start()`, run anything else meanwhile, then `result()`.

    The recorder runs for exactly `seconds` (a timer stops it), whatever runs meanwhile.
    """

    def __init__(self, servers: BenchServers, *, seconds: float) -> None:
        self.servers = servers
        self.seconds = seconds
        self.queue = sqs_queue_create(servers.moto.sqs_client(), task_time_limit=60)
        self.worker = None
        self.window = threading.Timer(seconds, servers.moto.recording_stop)

    def start(self) -> "IdleWorker":
        self.worker = worker_start(self.servers, self.queue, name="idle")
        self.servers.moto.recording_start()
        self.window.start()
        return self

    def result(self) -> IdleResult:
        self.window.join()
        entries = self.servers.moto.recorded_requests()
        self.worker.stop(graceful=False)
        return IdleResult(self.seconds, sqs_requests_by_action(entries, queue_url=self.queue.url), pool_processes=2)
