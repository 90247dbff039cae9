"""``celery -A backend worker`` as a container of the built image, with CeleryWorker's interface
(start and wait until consuming, kill, stop, log) so a worker test can run against either."""

from __future__ import annotations

import signal
from collections.abc import Mapping
from pathlib import Path

from infra import invariants
from localservices.environment import HERMETIC_AWS
from localservices.image import ContainerEngine, ContainerProcess
from localservices.waiting import wait_until


def container_environment(process_env: Mapping[str, str]) -> dict[str, str]:
    """A working-tree process's environment made a container's: no host PATH or LANG (the image
    has its own), the worker's heartbeat at its deployed path in the container's own /tmp."""
    env = {k: v for k, v in process_env.items() if k not in ("PATH", "LANG")}
    if "CELERY_WORKER_HEARTBEAT_FILE" in env:
        env["CELERY_WORKER_HEARTBEAT_FILE"] = invariants.WORKER_HEARTBEAT_FILE
    return HERMETIC_AWS | env


class ImageCeleryWorker:
    """The worker task's container, running its command."""

    def __init__(self, running: ContainerProcess) -> None:
        self.running = running
        self.process = running.process

    @classmethod
    def start(cls, engine: ContainerEngine, *, env: Mapping[str, str], log_dir: Path,
              timeout: float = 90.0) -> ImageCeleryWorker:
        """Start it with ``env`` (a process environment, see container_environment); wait until
        Celery says it is ready (as CeleryWorker does: a test may be racing a visibility timeout
        from then on, so nothing slower is waited for; tests/image runs the health check)."""
        running = ContainerProcess.start(engine, invariants.WORKER_COMMAND, name="image-celery-worker",
                                         log_dir=log_dir, env=container_environment(env))
        worker = cls(running)
        try:
            wait_until(worker._consuming, timeout=timeout,
                       message=lambda: f"the image's worker ready:\n{worker.log_text()[-4000:]}")
        except BaseException:
            worker.kill()
            raise
        return worker

    def _consuming(self) -> bool:
        self.process.raise_if_exited()
        return self.process.log_contains(r"celery@\S+ ready\.")

    def log_text(self) -> str:
        return self.process.log_text()

    def stop(self, *, graceful: bool = True, timeout: float = 15.0) -> int | None:
        return self.running.stop(signal.SIGTERM if graceful else signal.SIGQUIT, timeout=timeout)

    def kill(self) -> int | None:
        """SIGKILL the container's processes (an OOM kill, a reclaimed host)."""
        return self.running.stop(signal.SIGKILL, timeout=5)
