"""Running a task definition's containers as local processes, as ECS would run the task.

Each container runs its ``command`` unchanged (the image's PATH puts the virtualenv's
``python``, ``gunicorn`` and ``celery`` first) in ``app/`` (the image's WORKDIR), with the
environment built by :mod:`rehearsal.environment`. Containers start in ``dependsOn``
order (``START``, ``COMPLETE``, ``SUCCESS``, ``HEALTHY``), so the api task's ``migrate`` runs to
completion before ``api`` starts. A container is ready when its ``healthCheck`` command passes
(the worker: ``python -m backend.health worker``), or when its port answers the load balancer's
health check path (the api), or when it is still running shortly after it started.
"""

from __future__ import annotations

import re
import signal
import subprocess
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from rehearsal.environment import Override
from rehearsal.steps import StepFailed, readable, tail
from localservices.processes import APP_DIR, ManagedProcess

#: Lines that name what went wrong, newest first wins (tracebacks end with the exception).
_ERROR_LINE = re.compile(
    r"(^[\w.]*(Error|Exception|ImproperlyConfigured|Denied)\b.*:)"  # an exception: Traceback's last line
    r"|(^(ERROR|CRITICAL)\b)|(\b(ERROR|CRITICAL)[/\]])"  # a readable JSON record, or celery's [..: ERROR/..]
)


def error_line(log: str) -> str:
    """The line of a log most likely to say why a process failed (JSON records made readable)."""
    lines = [readable(line, width=500) for line in log.splitlines()[-200:] if line.strip()]
    for line in reversed(lines):
        if _ERROR_LINE.search(line):
            return line
    return lines[-1] if lines else "(no output)"


@dataclass
class HealthResult:
    healthy: bool
    output: str
    exit_code: int | None


@dataclass
class LocalContainer:
    """One container definition and the process that runs it."""

    task: str
    """The service it belongs to (``api``, ``worker``)."""
    definition: dict
    env: dict[str, str]
    overrides: list[Override]
    local_port: int | None = None
    process: ManagedProcess | None = None
    started_at: float = 0.0

    @property
    def name(self) -> str:
        return self.definition["name"]

    @property
    def label(self) -> str:
        return self.task if self.name == self.task else f"{self.task}'s {self.name} container"

    @property
    def essential(self) -> bool:
        return bool(self.definition.get("essential", True))

    @property
    def command(self) -> list[str]:
        return [*self.definition.get("entryPoint", []), *self.definition.get("command", [])]

    def start(self, log_dir: Path) -> None:
        if not self.command:
            raise StepFailed(f"{self.label} has no command (the rehearsal does not know the image's default)")
        self.process = ManagedProcess.start(
            self.command, name=f"{self.task}-{self.name}", log_dir=log_dir, env=self.env, cwd=APP_DIR)
        self.started_at = time.monotonic()

    def exit_code(self) -> int | None:
        return None if self.process is None else self.process.popen.poll()

    def log_text(self) -> str:
        return self.process.log_text() if self.process else ""

    def failure(self, what: str) -> StepFailed:
        return StepFailed(f"{what}: {error_line(self.log_text())}", log_tail=tail(self.log_text()),
                          log_name=str(self.process.log_path) if self.process else "")

    def health_check(self) -> HealthResult:
        """Run the container's ``healthCheck`` command once with its environment."""
        check = self.definition["healthCheck"]
        command = list(check["command"])
        if command[0] == "CMD-SHELL":
            args = ["/bin/sh", "-c", " ".join(command[1:])]
        else:
            args = command[1:] if command[0] == "CMD" else command
        try:
            result = subprocess.run(args, cwd=APP_DIR, env=self.env, capture_output=True, text=True,
                                    timeout=float(check.get("timeout", 5)))
        except subprocess.TimeoutExpired:
            return HealthResult(False, f"timed out after {check.get('timeout', 5)} s", None)
        output = (result.stdout + result.stderr).strip().splitlines()
        return HealthResult(result.returncode == 0, output[-1] if output else "", result.returncode)

    def stop(self, timeout: float = 10.0) -> None:
        if self.process is not None:
            self.process.stop(signum=signal.SIGTERM, timeout=timeout)


@dataclass
class LocalTask:
    """A task definition's containers, started in dependency order."""

    service: str
    task_definition: dict
    containers: list[LocalContainer]
    health_path: str = "/"
    health_results: list[HealthResult] = field(default_factory=list)

    def container(self, name: str) -> LocalContainer:
        return next(c for c in self.containers if c.name == name)

    def start(self, *, log_dir: Path, watch: Callable[[], None], timeout: float) -> None:
        """Start every container once its dependencies are met; return when the essential ones
        are ready. ``watch`` is called while waiting and may raise (e.g. on an AccessDenied)."""
        for container in self._dependency_order():
            for dependency in container.definition.get("dependsOn", []):
                self._wait_dependency(self.container(dependency["containerName"]), dependency["condition"],
                                      watch=watch, timeout=timeout)
            container.start(log_dir)
        for container in self.containers:
            if container.essential:
                self._wait_ready(container, watch=watch, timeout=timeout)

    def _dependency_order(self) -> list[LocalContainer]:
        ordered: list[LocalContainer] = []
        remaining = list(self.containers)
        while remaining:
            names = {c.name for c in ordered}
            ready = [c for c in remaining
                     if all(d["containerName"] in names for d in c.definition.get("dependsOn", []))]
            if not ready:
                raise StepFailed(f"{self.service}: dependsOn of {[c.name for c in remaining]} cannot be met")
            ordered.append(ready[0])
            remaining.remove(ready[0])
        return ordered

    def _poll(self, probe: Callable[[], bool], *, watch: Callable[[], None], timeout: float, what: str,
              interval: float = 0.25) -> None:
        deadline = time.monotonic() + timeout
        while True:
            watch()
            if probe():
                return
            if time.monotonic() > deadline:
                raise StepFailed(f"{what}: not within {timeout:g} s")
            time.sleep(interval)

    def _wait_dependency(self, container: LocalContainer, condition: str, *, watch, timeout: float) -> None:
        if condition == "START":
            return
        if condition == "HEALTHY":
            self._wait_ready(container, watch=watch, timeout=timeout)
            return

        def exited() -> bool:
            return container.exit_code() is not None

        self._poll(exited, watch=watch, timeout=timeout, what=f"{container.label} to exit ({condition})")
        code = container.exit_code()
        if condition == "SUCCESS" and code != 0:
            raise container.failure(f"{container.label} exited with {code}")

    def _wait_ready(self, container: LocalContainer, *, watch, timeout: float) -> None:
        if container.definition.get("healthCheck"):
            last: list[HealthResult] = []

            def healthy() -> bool:
                self._raise_if_exited(container)
                last[:] = [container.health_check()]
                return last[0].healthy

            try:
                self._poll(healthy, watch=watch, timeout=timeout, what=f"{container.label}'s health check",
                           interval=0.5)
            except StepFailed as failure:
                if last and not failure.log_tail:
                    failure = container.failure(f"{container.label}'s health check never passed "
                                                f"({last[0].output})")
                raise failure
            self.health_results.append(last[0])
        elif container.local_port is not None:
            import requests

            url = f"http://127.0.0.1:{container.local_port}{self.health_path}"

            def answers() -> bool:
                self._raise_if_exited(container)
                try:
                    return requests.get(url, timeout=2).status_code < 400
                except requests.RequestException:
                    return False

            self._poll(answers, watch=watch, timeout=timeout, what=f"{container.label} to answer {url}")
        else:
            self._poll(lambda: (self._raise_if_exited(container), time.monotonic() - container.started_at > 2)[1],
                       watch=watch, timeout=timeout, what=f"{container.label} to keep running")

    @staticmethod
    def _raise_if_exited(container: LocalContainer) -> None:
        code = container.exit_code()
        if code is not None:
            raise container.failure(f"{container.label} exited with {code}")

    def check_running(self) -> None:
        """Raise if an essential container has exited."""
        for container in self.containers:
            if container.essential:
                self._raise_if_exited(container)

    def stop(self) -> None:
        for container in reversed(self.containers):
            container.stop()
