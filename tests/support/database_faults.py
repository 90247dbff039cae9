"""Faults made on the database side, by the test itself: nothing in app/ knows about them.

- `sample_insert_held(owner, raw_sample)`: another transaction inserts one of a chunk's samples
  (a plain INSERT of the row the app would write, without the owner's advisory lock) and stays
  open, so the chunk's INSERT of the same sample waits on the unique index: the chunk is then
  deterministically *mid-chunk* (claimed and counted, holding its owner's lock, samples not
  committed) until the block exits and the transaction rolls back. The owner's other chunks
  wait for that lock meanwhile (an owner's chunks are applied one at a time).
- `backends(server, dbname, application_name=)`, `backends_waiting_on_lock(...)`: what
  pg_stat_activity shows, to see that a worker reached that point (no sleeps).
- `sample_rows_refused(server, dbname, source_name=)`: a trigger makes every INSERT of a
  sample with that `source_name` raise, until the block exits: a poison chunk.
- `connections_refused(server, dbname, application_name=)`: the database refuses new
  connections and the named clients' sessions are terminated, until the block exits.

Subprocesses are told apart by libpq's application name: start them with
`PGAPPNAME=<name>` in their environment (see WORKER_APPLICATION_NAME).
"""

import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

from localservices.postgres import PostgresServer
from tests.support.samples import parsed_samples

#: the application name worker subprocesses use in fault tests (`PGAPPNAME`)
WORKER_APPLICATION_NAME = "celery-worker"
#: add to a worker's environment so that its database sessions can be found
WORKER_SESSIONS = {"PGAPPNAME": WORKER_APPLICATION_NAME}
#: seconds the holding thread waits for the block to end before rolling back on its own
HOLD_LIMIT = 120.0


@dataclass(frozen=True)
class Backend:
    pid: int
    state: str
    wait_event_type: str | None
    query: str


def backends(server: PostgresServer, dbname: str, *, application_name: str) -> list[Backend]:
    """The sessions `application_name` has open on `dbname`."""
    rows = server.execute(
        "SELECT pid, coalesce(state, ''), wait_event_type, query FROM pg_stat_activity "
        f"WHERE datname = '{dbname}' AND application_name = '{application_name}'"
    )
    return [Backend(*row) for row in rows]


def backends_waiting_on_lock(server: PostgresServer, dbname: str, *, application_name: str) -> list[Backend]:
    """The sessions of `application_name` blocked on a lock (a chunk's INSERT, a chunk's row)."""
    return [
        backend
        for backend in backends(server, dbname, application_name=application_name)
        if backend.wait_event_type == "Lock"
    ]


@contextmanager
def sample_insert_held(owner, raw_sample: dict) -> Iterator[None]:
    """Insert `raw_sample` for `owner` in a transaction left open for the block; roll it back after.

    Writes the row the app would (healthkit.services.samples.sample_fields: same fingerprint,
    same unique index) in a thread with its own Django connection, so a chunk writing the same
    sample waits for this transaction.
    """
    from django.db import connection, transaction
    from healthkit.models import HealthSample
    from healthkit.services.samples import sample_fields

    inserted, release = threading.Event(), threading.Event()
    failure: list[BaseException] = []

    def hold() -> None:
        try:
            with transaction.atomic():
                (sample,) = parsed_samples([raw_sample])
                HealthSample.objects.create(owner=owner, change_id=1, **sample_fields(sample, owner_id=owner.pk))
                inserted.set()
                release.wait(timeout=HOLD_LIMIT)
                transaction.set_rollback(True)
        except BaseException as exc:  # reported by the block below
            failure.append(exc)
            inserted.set()
        finally:
            connection.close()

    holder = threading.Thread(target=hold, name="sample-insert-held")
    holder.start()
    inserted.wait(timeout=30)
    if failure:
        raise failure[0]
    try:
        yield
    finally:
        release.set()
        holder.join(timeout=30)


@contextmanager
def connections_refused(server: PostgresServer, dbname: str, *, application_name: str) -> Iterator[None]:
    """`dbname` refuses new connections and `application_name`'s sessions are cut, for the block."""
    server.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS false')
    try:
        server.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            f"WHERE datname = '{dbname}' AND application_name = '{application_name}'"
        )
        yield
    finally:
        server.execute(f'ALTER DATABASE "{dbname}" WITH ALLOW_CONNECTIONS true')


#: the trigger function and trigger `sample_rows_refused` creates (and drops)
_POISON_FUNCTION = "test_fault_refuse_sample"
_SAMPLE_TABLE = "healthkit_healthsample"
POISON_ERROR = "test fault: sample refused by trigger"


@contextmanager
def sample_rows_refused(server: PostgresServer, dbname: str, *, source_name: str) -> Iterator[None]:
    """Inserting a sample whose source_name is `source_name` raises (a plpgsql trigger), for the block."""
    server.execute(
        f"""CREATE OR REPLACE FUNCTION {_POISON_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.source_name = '{source_name}' THEN
                RAISE EXCEPTION '{POISON_ERROR}';
            END IF;
            RETURN NEW;
        END $$""",
        dbname=dbname,
    )
    server.execute(
        f"CREATE TRIGGER {_POISON_FUNCTION} BEFORE INSERT ON {_SAMPLE_TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {_POISON_FUNCTION}()",
        dbname=dbname,
    )
    try:
        yield
    finally:
        server.execute(f"DROP TRIGGER IF EXISTS {_POISON_FUNCTION} ON {_SAMPLE_TABLE}", dbname=dbname)
        server.execute(f"DROP FUNCTION IF EXISTS {_POISON_FUNCTION}()", dbname=dbname)


#: the trigger `chunk_insert_held` creates (and drops), and the advisory lock (two keys) it waits for
_CHUNK_HOLD_FUNCTION = "test_fault_hold_chunk"
_CHUNK_TABLE = "healthkit_applehealthimportchunk"
CHUNK_HOLD_LOCK = (4242, 14)


@contextmanager
def chunk_insert_held(server: PostgresServer, dbname: str, *, index: int) -> Iterator[None]:
    """Writing the chunk of index `index` waits (a trigger takes an advisory lock this session holds), for the block.

    An export's reader is then stopped at a known commit: the chunks before it are committed
    with their resume point, that one and what follows are not.
    """
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s, %s)", CHUNK_HOLD_LOCK)
    server.execute(
        f"""CREATE OR REPLACE FUNCTION {_CHUNK_HOLD_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN
            IF NEW.index = {int(index)} THEN
                PERFORM pg_advisory_xact_lock({CHUNK_HOLD_LOCK[0]}, {CHUNK_HOLD_LOCK[1]});
            END IF;
            RETURN NEW;
        END $$""",
        dbname=dbname,
    )
    server.execute(
        f"CREATE TRIGGER {_CHUNK_HOLD_FUNCTION} BEFORE INSERT ON {_CHUNK_TABLE} "
        f"FOR EACH ROW EXECUTE FUNCTION {_CHUNK_HOLD_FUNCTION}()",
        dbname=dbname,
    )
    try:
        yield
    finally:
        with connection.cursor() as cursor:  # first: a session waiting on it holds the table until it goes on
            cursor.execute("SELECT pg_advisory_unlock(%s, %s)", CHUNK_HOLD_LOCK)
        server.execute(f"DROP TRIGGER IF EXISTS {_CHUNK_HOLD_FUNCTION} ON {_CHUNK_TABLE}", dbname=dbname)
        server.execute(f"DROP FUNCTION IF EXISTS {_CHUNK_HOLD_FUNCTION}()", dbname=dbname)
