"""Import batches written straight to the database (no task enqueued), and thread helpers."""

import json
import threading
from collections.abc import Callable, Sequence

from tests.support.samples import parsed_samples


def batch_with_chunks_create(owner, chunks: Sequence[Sequence[dict]], *, raw_payloads: bool = False):
    """A queued batch with one chunk per item of `chunks` (lists of raw samples); (batch, chunks).

    `raw_payloads=True` stores the items as they are (`json.dumps`), with no MAC (e.g. an invalid
    payload that a worker will fail on, or one written by older code); otherwise they are validated
    first and stored as the API stores them (healthkit.chunk_payload: normalized, with their MAC).
    """
    from healthkit.chunk_payload import ChunkPayload, chunk_payload
    from healthkit.models import AppleHealthImportBatch, AppleHealthImportChunk

    payloads = [
        ChunkPayload(text=json.dumps(list(samples)), mac="", count=len(samples))
        if raw_payloads
        else chunk_payload(parsed_samples(list(samples)), owner_id=owner.pk)
        for samples in chunks
    ]
    sizes = [len(samples) for samples in chunks]
    batch = AppleHealthImportBatch.objects.create(owner=owner, chunks_total=len(payloads), records_received=sum(sizes))
    created = [
        AppleHealthImportChunk.objects.create(
            batch=batch,
            index=index,
            payload=payload.text,
            payload_mac=payload.mac,
            records_received=sizes[index],
        )
        for index, payload in enumerate(payloads)
    ]
    return batch, created


def stored_fingerprints(owner) -> list[str]:
    """Every sample row the owner has, by fingerprint, sorted (a doubled row would show twice)."""
    from healthkit.models import HealthSample

    return sorted(HealthSample.objects.filter(owner=owner).values_list("fingerprint", flat=True))


def expected_fingerprints(owner, raw_samples: Sequence[dict]) -> list[str]:
    """The fingerprints `raw_samples` must have once imported for `owner` (each once), sorted."""
    from healthkit.fingerprints import sample_fingerprint

    samples = parsed_samples(list(raw_samples))
    return sorted({sample_fingerprint(owner_id=owner.pk, sample=sample) for sample in samples})


def run_concurrently(*calls: Callable[[], object], timeout: float = 30.0) -> list[tuple[object, BaseException | None]]:
    """Run each call in its own thread, released together; [(result, exception)] in order.

    Each thread closes its own Django database connection when done.
    """
    from django.db import connection

    barrier = threading.Barrier(len(calls))
    outcomes: list = [None] * len(calls)

    def run(position: int, call: Callable[[], object]) -> None:
        try:
            barrier.wait(timeout=timeout)
            outcomes[position] = (call(), None)
        except BaseException as exc:  # reported to the caller
            outcomes[position] = (None, exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, call)) for i, call in enumerate(calls)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
        if thread.is_alive():
            raise TimeoutError("a concurrent call did not finish")
    return outcomes
