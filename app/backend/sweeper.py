"""A worker bootstep that runs the chunk sweeper (healthkit.sweeper) on a timer of its own.

Every worker sweeps, from a daemon thread of its main process, every
HEALTHKIT_SWEEPER_INTERVAL seconds (with up to 10% jitter, the first sweep within one
interval of the start): no Celery beat (one schedule per fleet on SQS would need a single
beat process), no extra ECS task. Sweeps in several workers do not collide (rows are taken
with SKIP LOCKED). A sweep that fails (database down, SQS down) is logged and tried again at
the next tick; it never stops the worker.
"""

import logging
import random
import threading

from celery import bootsteps
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

#: seconds stop() waits for a sweep in progress
STOP_TIMEOUT = 10.0


def sweep_delay(interval: float, *, first: bool) -> float:
    """Seconds until the next sweep: the interval plus up to 10% jitter (the first: anywhere within it)."""
    return interval * random.random() if first else interval * (1 + random.random() / 10)


class ChunkSweeper(bootsteps.StartStopStep):
    """Runs healthkit.sweeper.chunks_sweep every HEALTHKIT_SWEEPER_INTERVAL seconds (0: never)."""

    requires = ("celery.worker.components:Pool",)

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.interval = settings.HEALTHKIT_SWEEPER_INTERVAL
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    def start(self, parent) -> None:
        if self.interval <= 0:
            logger.info("chunk sweeper off (HEALTHKIT_SWEEPER_INTERVAL=0)")
            return
        self._thread = threading.Thread(target=self._run, name="chunk-sweeper", daemon=True)
        self._thread.start()

    def _run(self) -> None:
        from healthkit.services.exports import exports_sweep
        from healthkit.sweeper import chunks_sweep

        first = True
        while not self._stopping.wait(sweep_delay(self.interval, first=first)):
            first = False
            try:
                chunks_sweep()
                exports_sweep()
            except Exception as exc:  # the next tick tries again
                logger.warning("chunk sweep failed: %s: %s", type(exc).__name__, str(exc).splitlines()[:1])
            finally:
                # No connection is kept between sweeps: a pool process forked meanwhile would
                # inherit its socket (and could end its session when it lets go of the copy).
                connection.close()

    def stop(self, parent) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=STOP_TIMEOUT)
            self._thread = None

    def shutdown(self, parent) -> None:
        self.stop(parent)
