"""Backlog drain: how long a real worker takes to empty a queue of chunk messages.

The messages wait on the queue before the worker starts; the time runs from the worker's
`ready.` line to the last chunk's `finished_at`. Chunks hold one sample each, so the broker
path (receive, dispatch, ack) dominates, not the import. The same worker runs with the
project's settings and with the original design's `polling_interval` of 5 s.
"""

from dataclasses import dataclass

from bench.environment import BenchServers
from bench.workers import ready_time, worker_start
from localservices.celery_messages import chunk_message_body
from localservices.samples import heart_rate_samples
from localservices.sqs import sqs_queue_create
from localservices.waiting import wait_until

#: SQS takes at most 10 messages per SendMessageBatch
SEND_BATCH = 10


@dataclass(frozen=True)
class DrainResult:
    label: str
    messages: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.messages / self.seconds


def _backlog(servers: BenchServers, *, messages: int, name: str):
    """A batch of `messages` one-sample chunks, and a queue holding one message per chunk."""
    from bench.import_throughput import _chunks_stored, _owner
    from healthkit.outbox import chunks_enqueued_mark

    owner = _owner(name)
    chunk_ids = _chunks_stored(owner, heart_rate_samples(messages), chunk_size=1)
    client = servers.moto.sqs_client()
    queue = sqs_queue_create(client, task_time_limit=60)
    for start in range(0, len(chunk_ids), SEND_BATCH):
        entries = [
            {"Id": str(i), "MessageBody": chunk_message_body(chunk_id)}
            for i, chunk_id in enumerate(chunk_ids[start : start + SEND_BATCH])
        ]
        client.send_message_batch(QueueUrl=queue.url, Entries=entries)
    chunks_enqueued_mark(chunk_ids)  # as the outbox does: else any worker's sweeper sends them again, to its own queue
    return queue, chunk_ids


def backlog_drain(servers: BenchServers, *, messages: int, label: str, overrides: dict[str, str] | None = None):
    from django.db.models import Max
    from healthkit.models import AppleHealthImportChunk, ChunkStatus

    name = label.replace(" ", "-")
    queue, chunk_ids = _backlog(servers, messages=messages, name=name)
    chunks = AppleHealthImportChunk.objects.filter(pk__in=chunk_ids)
    worker = worker_start(servers, queue, name=name, overrides=overrides)
    try:
        wait_until(
            lambda: chunks.filter(status=ChunkStatus.SUCCEEDED).count() == messages,
            timeout=messages * 5 + 60,
            interval=0.2,
            message=f"{messages} chunks imported ({label})",
        )
        started = ready_time(worker)
    finally:
        worker.stop(graceful=False)
    finished = chunks.aggregate(last=Max("finished_at"))["last"].timestamp()
    return DrainResult(label, messages, finished - started)
