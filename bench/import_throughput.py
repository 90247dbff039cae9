"""Import throughput on PostgreSQL: samples per second of three ways to store the same samples.

- chunk path: `healthkit.services.imports.chunk_import`, the service the worker runs, over
  chunks of HEALTHKIT_IMPORT_CHUNK_SIZE samples stored as the api stores them (verify the
  payload's MAC over its stored text and parse it once, apply it under the owner's lock, COPY the
  new rows, count, finalize, metrics: bench/README.md);
- naive loop: per sample, parse, fingerprint and `HealthSample.objects.update_or_create`
  (the per-sample pattern the original design used);
- raw COPY: the same rows (batch reference and feed id included), already built, streamed with
  COPY into the same table (the same indexes): the practical ceiling of the database.

Each path starts from an empty sample table and stores the same samples; one process, one
connection, no worker (the worker runs this same function, one chunk per task).
"""

import contextlib
import json
import os
import time
from dataclasses import dataclass

from localservices.samples import heart_rate_sample, sleep_sample, workout_sample

#: one in this many samples is a sleep (category) or a workout, the rest heart rates
OTHER_TYPES_EVERY = 50


@dataclass(frozen=True)
class PathResult:
    name: str
    samples: int
    seconds: float

    @property
    def per_second(self) -> float:
        return self.samples / self.seconds


def raw_samples(count: int, *, start: int = 0) -> list[dict]:
    """`count` distinct samples as the client sends them (numbered from `start`), mostly heart rates."""

    def sample(i: int) -> dict:
        if i % OTHER_TYPES_EVERY == 1:
            return sleep_sample(i)
        if i % OTHER_TYPES_EVERY == 2:
            return workout_sample(i, uuid=None)
        return heart_rate_sample(i)

    return [sample(i) for i in range(start, start + count)]


def _owner(name: str):
    """A new user (a new owner: no sample of theirs is stored yet)."""
    import uuid

    from django.contrib.auth import get_user_model

    return get_user_model().objects.create_user(username=f"{name}-{uuid.uuid4().hex[:8]}")


def _tables_emptied() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "TRUNCATE healthkit_healthsample, healthkit_healthsamplechange, healthkit_healthsampledeletion, "
            "healthkit_applehealthimportchunk, healthkit_applehealthexport, healthkit_applehealthimportbatch"
        )
        # no ANALYZE: statistics of an empty table would make the planner pick scans for a table of
        # no rows while chunks fill it (the PostgreSQL of a new deployment has none to start from either)


def _parsed(raw: list[dict]) -> list:
    from healthkit.validation import sample_parse

    parsed = []
    for index, item in enumerate(raw):
        sample, problems = sample_parse(item, index=index)
        assert not problems, problems
        parsed.append(sample)
    return parsed


def _chunks_stored(owner, raw: list[dict], *, chunk_size: int) -> list[str]:
    """A queued batch and its chunks, written as the api writes them (validated, healthkit.chunk_payload); chunk ids."""
    from healthkit.models import AppleHealthImportBatch
    from healthkit.services.imports import chunks_create
    from healthkit.sync.positions import batch_sequence_next

    samples = _parsed(raw)
    batch = AppleHealthImportBatch.objects.create(
        owner=owner,
        sequence=batch_sequence_next(),
        chunks_total=-(-len(samples) // chunk_size),
        records_received=len(samples),
    )
    return [str(chunk.pk) for chunk in chunks_create(batch_id=batch.pk, owner_id=owner.pk, items=samples, chunk_size=chunk_size)]


def chunk_path(raw: list[dict], *, chunk_size: int) -> PathResult:
    from healthkit.models import HealthSample
    from healthkit.services.imports import chunk_import

    _tables_emptied()
    owner = _owner("bench-chunk-path")
    chunk_ids = _chunks_stored(owner, raw, chunk_size=chunk_size)
    with open(os.devnull, "w") as devnull, contextlib.redirect_stdout(devnull):  # its EMF lines
        started = time.perf_counter()
        for chunk_id in chunk_ids:
            chunk_import(chunk_id=chunk_id)
        seconds = time.perf_counter() - started
    assert HealthSample.objects.filter(owner=owner).count() == len(raw)
    return PathResult("chunk path (chunk_import)", len(raw), seconds)


#: the tables a stored sample occupies: its row (its own changes-feed entry) and the feed's other entries (removals)
SAMPLE_TABLES = ("healthkit_healthsample", "healthkit_healthsamplechange")


def bytes_per_sample() -> dict[str, float]:
    """On-disk bytes per stored sample (table, TOAST and indexes) of each SAMPLE_TABLES table, as it holds now."""
    from django.db import connection

    sizes = {}
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM healthkit_healthsample")
        (samples,) = cursor.fetchone()
        for table in SAMPLE_TABLES:
            cursor.execute("VACUUM ANALYZE " + table)
            cursor.execute("SELECT pg_table_size(%s), pg_indexes_size(%s)", [table, table])
            table_bytes, index_bytes = cursor.fetchone()
            sizes[table] = {"table": table_bytes / max(samples, 1), "indexes": index_bytes / max(samples, 1)}
    return sizes


def naive_loop(raw: list[dict]) -> PathResult:
    from healthkit.models import HealthSample
    from healthkit.services.samples import sample_fields
    from healthkit.validation import sample_parse

    _tables_emptied()
    owner = _owner("bench-naive")
    started = time.perf_counter()
    for index, item in enumerate(raw):
        sample, _ = sample_parse(item, index=index)
        fields = sample_fields(sample, owner_id=owner.pk) | {"change_id": index + 1}  # feed ids numbered, as raw COPY's
        HealthSample.objects.update_or_create(owner=owner, fingerprint=fields.pop("fingerprint"), defaults=fields)
    seconds = time.perf_counter() - started
    assert HealthSample.objects.filter(owner=owner).count() == len(raw)
    return PathResult("naive update_or_create loop", len(raw), seconds)


def _copy_columns() -> tuple[str, ...]:
    """COPY's column list: the owner, the sample's own fields, fingerprint, position, feed id, batch, timestamps."""
    from healthkit.services.samples import SAMPLE_FIELDS

    return ("owner_id", *SAMPLE_FIELDS, "position", "change_id", "import_batch_id", "created_at", "updated_at")


def raw_copy(raw: list[dict]) -> PathResult:
    from django.db import connection
    from django.utils import timezone
    from healthkit.models import AppleHealthImportBatch, HealthSample
    from healthkit.services.samples import sample_fields

    _tables_emptied()
    owner = _owner("bench-copy")
    batch = AppleHealthImportBatch.objects.create(owner=owner, chunks_total=1, records_received=len(raw))
    now = timezone.now()
    rows = []
    for change_id, sample in enumerate(_parsed(raw), start=1):
        fields = sample_fields(sample, owner_id=owner.pk) | {"metadata": json.dumps(sample.metadata)}
        rows.append((owner.pk, *fields.values(), 0, change_id, batch.pk, now, now))
    statement = f"COPY healthkit_healthsample ({', '.join(_copy_columns())}) FROM STDIN"
    started = time.perf_counter()
    with connection.cursor() as cursor, cursor.cursor.copy(statement) as copy:
        for row in rows:
            copy.write_row(row)
    seconds = time.perf_counter() - started
    assert HealthSample.objects.filter(owner=owner).count() == len(raw)
    return PathResult("raw COPY (rows prebuilt)", len(raw), seconds)
