"""A consumer bootstep that keeps the worker's heartbeat file fresh from its event loop.

The file is touched by a timer of the consumer's own event loop (kombu's hub), not by a
thread: if the loop blocks or dies, the file goes stale and `python -m backend.health worker`
fails, so ECS replaces the task.
"""

from pathlib import Path

from celery import bootsteps
from django.conf import settings

#: seconds between touches: a quarter of the max age, within these bounds
HEARTBEAT_INTERVAL_BOUNDS = (0.5, 10.0)


def heartbeat_interval(*, max_age: float) -> float:
    """Touch often enough that three missed ticks still leave the file fresh."""
    low, high = HEARTBEAT_INTERVAL_BOUNDS
    return min(high, max(low, max_age / 4))


def heartbeat_touch(path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch()


class WorkerHeartbeat(bootsteps.StartStopStep):
    """Touches CELERY_WORKER_HEARTBEAT_FILE while the consumer consumes."""

    requires = ("celery.worker.consumer.tasks:Tasks",)

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        self.path = Path(settings.WORKER_HEARTBEAT_FILE)
        self.interval = heartbeat_interval(max_age=settings.WORKER_HEARTBEAT_MAX_AGE)
        self._entry = None

    def start(self, parent) -> None:
        heartbeat_touch(self.path)
        self._entry = parent.timer.call_repeatedly(self.interval, heartbeat_touch, (self.path,))

    def stop(self, parent) -> None:
        if self._entry is not None:
            self._entry.cancel()
            self._entry = None
        self.path.unlink(missing_ok=True)

    def shutdown(self, parent) -> None:
        self.stop(parent)
