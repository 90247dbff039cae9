"""Database helpers for code that can be interrupted mid-query (time limits, signals) or
that outlives an outage (a worker waiting for the database to answer again)."""

import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DatabaseError, connection, transaction

logger = logging.getLogger(__name__)

#: seconds to wait for the server to acknowledge a cancel request
CANCEL_TIMEOUT = 5.0


def _query_in_flight() -> bool:
    raw = connection.connection
    if raw is None or connection.vendor != "postgresql":
        return False
    from psycopg import pq

    return raw.pgconn.transaction_status == pq.TransactionStatus.ACTIVE


@contextmanager
def query_cancelled_on_interrupt() -> Iterator[None]:
    """If an exception (e.g. SoftTimeLimitExceeded) interrupts a running query, cancel it on the server.

    Otherwise the server keeps running the abandoned statement (perhaps waiting on a lock)
    and its transaction's locks outlive the attempt. Use inside `transaction.atomic()`.
    """
    try:
        yield
    except BaseException:
        if _query_in_flight():
            try:
                connection.connection.cancel_safe(timeout=CANCEL_TIMEOUT)
            except Exception as exc:  # the connection is dropped next anyway
                logger.warning("could not cancel the interrupted query: %s", exc)
        raise


@contextmanager
def lock_timeout(milliseconds: int) -> Iterator[None]:
    """A transaction whose lock waits give up after `milliseconds` (PostgreSQL; no-op elsewhere)."""
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config('lock_timeout', %s, true)", [f"{milliseconds}ms"])
        yield


#: seconds between two checks while waiting for the database: doubling from the first, up to the last
DATABASE_CHECK_INTERVALS = (0.5, 10.0)


def database_reachable() -> bool:
    """A fresh connection answers `SELECT 1` (the broken one, if any, is dropped first)."""
    connection.close()
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
    except DatabaseError:
        connection.close()
        return False
    return True


def database_wait(*, deadline: float) -> bool:
    """Wait (backing off) until the database answers or `deadline` (time.monotonic()) passes; True if it answers."""
    interval, longest = DATABASE_CHECK_INTERVALS
    while True:
        if database_reachable():
            return True
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            return False
        time.sleep(min(interval, remaining))
        interval = min(interval * 2, longest)
