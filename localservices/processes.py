"""Subprocesses with captured logs: a generic ManagedProcess, the celery worker, gunicorn.

Each process starts in its own session (process group), so stop() can reach a worker's pool
children by the group id of the process we started, never by name.
"""

import contextlib
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from localservices.ports import free_port
from localservices.waiting import wait_until

REPO_ROOT = Path(__file__).resolve().parents[1]
APP_DIR = REPO_ROOT / "app"
QUEUE_NAME = "apple-health-imports"


def venv_binary(name: str) -> str:
    """A console script installed beside this Python (the project's .venv)."""
    return str(Path(sys.executable).parent / name)


class ProcessExited(AssertionError):
    pass


class ManagedProcess:
    """A subprocess whose stdout+stderr go to `<log_dir>/<name>.log`."""

    def __init__(self, popen: subprocess.Popen, name: str, log_path: Path, log_handle) -> None:
        self.popen = popen
        self.name = name
        self.log_path = log_path
        self._log_handle = log_handle

    @classmethod
    def start(
        cls,
        command: list[str],
        *,
        name: str,
        log_dir: Path,
        env: dict[str, str] | None = None,
        cwd: Path | None = None,
    ) -> "ManagedProcess":
        log_dir.mkdir(parents=True, exist_ok=True)
        log_path = log_dir / f"{name}-{time.monotonic_ns()}.log"
        log_handle = open(log_path, "wb")  # noqa: SIM115 - closed in stop()
        popen = subprocess.Popen(
            command,
            stdout=log_handle,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env=env,
            cwd=cwd,
            start_new_session=True,
        )
        return cls(popen, name, log_path, log_handle)

    @property
    def pid(self) -> int:
        return self.popen.pid

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def log_contains(self, pattern: str) -> bool:
        return re.search(pattern, self.log_text()) is not None

    def wait_for_log(self, pattern: str, *, timeout: float) -> None:
        def seen() -> bool:
            self.raise_if_exited()
            return self.log_contains(pattern)

        wait_until(seen, timeout=timeout, message=lambda: f"{pattern!r} in {self.name} log:\n{self.log_text()[-4000:]}")

    def raise_if_exited(self) -> None:
        if self.popen.poll() is not None:
            raise ProcessExited(f"{self.name} exited with {self.popen.returncode}:\n{self.log_text()[-4000:]}")

    def wait_exit(self, *, timeout: float) -> int:
        """Wait for the process to end on its own; its exit code."""
        return self.popen.wait(timeout=timeout)

    def send_signal(self, signum: int) -> None:
        if self.popen.poll() is None:
            os.kill(self.popen.pid, signum)

    def stop(self, *, signum: int = signal.SIGTERM, timeout: float = 15.0) -> int | None:
        """`signum` (SIGTERM), then SIGKILL to the whole process group after `timeout` seconds."""
        try:
            if self.popen.poll() is None:
                self.send_signal(signum)
                try:
                    self.popen.wait(timeout=timeout)
                except subprocess.TimeoutExpired:
                    self._kill_group()
                    self.popen.wait(timeout=10)
            self._kill_group()  # pool children left behind
            return self.popen.returncode
        finally:
            self._log_handle.close()

    def _kill_group(self) -> None:
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.popen.pid, signal.SIGKILL)


class CeleryWorker:
    """`celery -A backend worker --queues apple-health-imports --loglevel INFO` (the ECS command)."""

    def __init__(self, process: ManagedProcess, heartbeat_file: Path) -> None:
        self.process = process
        self.heartbeat_file = heartbeat_file

    @classmethod
    def start(
        cls, *, env: dict[str, str], log_dir: Path, wait: bool = True, timeout: float = 60.0, extra_args=()
    ) -> "CeleryWorker":
        """Start a worker with exactly `env` (plus PATH); wait until its heartbeat file exists."""
        command = [venv_binary("celery"), "-A", "backend", "worker", "--queues", QUEUE_NAME, "--loglevel", "INFO"]
        heartbeat_file = Path(env["CELERY_WORKER_HEARTBEAT_FILE"])
        heartbeat_file.unlink(missing_ok=True)
        process = ManagedProcess.start(
            [*command, *extra_args], name="celery-worker", log_dir=log_dir, env=env, cwd=APP_DIR
        )
        worker = cls(process, heartbeat_file)
        if wait:
            try:
                worker.wait_consuming(timeout=timeout)
            except BaseException:
                process.stop()
                raise
        return worker

    def wait_consuming(self, *, timeout: float) -> None:
        """Ready: celery said so and the consumer's heartbeat step has touched its file."""

        def consuming() -> bool:
            self.process.raise_if_exited()
            return self.heartbeat_file.exists() and self.process.log_contains(r"celery@\S+ ready\.")

        wait_until(consuming, timeout=timeout, message=lambda: f"worker ready:\n{self.process.log_text()[-4000:]}")

    def log_text(self) -> str:
        return self.process.log_text()

    def stop(self, *, graceful: bool = True, timeout: float = 15.0) -> int | None:
        """Warm shutdown (SIGTERM, as ECS stops a task) or cold shutdown (SIGQUIT, fast)."""
        return self.process.stop(signum=signal.SIGTERM if graceful else signal.SIGQUIT, timeout=timeout)

    def kill(self) -> int | None:
        """SIGKILL the worker and its pool (a crash, or a test's quick teardown)."""
        return self.process.stop(signum=signal.SIGKILL, timeout=5)


class GunicornServer:
    """`gunicorn backend.wsgi:application` (app/gunicorn.conf.py), bound to a free local port."""

    def __init__(self, process: ManagedProcess, port: int) -> None:
        self.process = process
        self.port = port

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, *, env: dict[str, str], log_dir: Path, timeout: float = 30.0) -> "GunicornServer":
        port = free_port()
        command = [venv_binary("gunicorn"), "backend.wsgi:application", "--bind", f"127.0.0.1:{port}"]
        process = ManagedProcess.start(command, name="gunicorn", log_dir=log_dir, env=env, cwd=APP_DIR)
        server = cls(process, port)
        try:
            wait_until(server._healthy, timeout=timeout, message=lambda: f"gunicorn /healthz:\n{process.log_text()}")
        except BaseException:
            process.stop()
            raise
        return server

    def _healthy(self) -> bool:
        self.process.raise_if_exited()
        try:
            return requests.get(f"{self.base_url}/healthz", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self, *, graceful: bool = True, timeout: float = 15.0) -> int | None:
        """Graceful (SIGTERM) or quick (SIGQUIT) shutdown."""
        return self.process.stop(signum=signal.SIGTERM if graceful else signal.SIGQUIT, timeout=timeout)


def run_app_command(args: list[str], *, env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    """Run a command in app/ (the image's WORKDIR) with exactly `env`; capture its output."""
    return subprocess.run(args, cwd=APP_DIR, env=env, capture_output=True, text=True, timeout=timeout)


def run_app_python(code: str, *, env: dict[str, str], timeout: float = 60.0) -> subprocess.CompletedProcess:
    """`python -c code` in app/ with exactly `env` (e.g. to load settings as a container would)."""
    return run_app_command([sys.executable, "-c", code], env=env, timeout=timeout)
