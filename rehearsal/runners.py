"""Where the rehearsal runs a task's containers: in the built image, or from the working tree.

:class:`ImageRunner` (the default when the image can be built): each container is a container
of the image built by ``scripts/build-image`` (Docker, or buildah with stand-in bases), on the
host network, with its own /tmp; health checks and one-off commands run inside it.
:class:`WorkingTreeRunner` (``--no-image``, fast for development): each container is a process
running ``app/`` with this virtualenv, the image's ENV and PATH. Both give a container exactly
its task definition's command, environment, secrets and overrides.
"""

from __future__ import annotations

import signal
import subprocess
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from localservices.image import REPO_ROOT, BuiltImage, ContainerProcess, ImageUnavailable, built_image, image_engine
from localservices.processes import APP_DIR, ManagedProcess
from rehearsal.environment import Override, container_environment, process_environment
from rehearsal.steps import StepFailed
from rehearsal.terminal import run_on_terminal


@dataclass
class WorkingTreeProcess:
    """A container's command as a process of the working tree."""

    process: ManagedProcess
    env: dict[str, str]

    def exec(self, command: Sequence[str], *, timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), cwd=APP_DIR, env=self.env, capture_output=True, text=True,
                              timeout=timeout)

    def stop(self, signum: int = signal.SIGTERM, *, timeout: float = 10.0) -> int | None:
        return self.process.stop(signum=signum, timeout=timeout)


class WorkingTreeRunner:
    """Containers as local processes of ``app/`` with this virtualenv."""

    #: the worker's heartbeat file needs a path of its own per task (processes share one /tmp)
    shares_tmp = True

    def __init__(self, *, instead_of_image: str = "") -> None:
        self.instead_of_image = instead_of_image
        """Why the image did not run, when it was meant to."""

    def describe(self) -> str:
        why = (f" because the image could not be built ({self.instead_of_image})" if self.instead_of_image
               else " (--no-image)")
        return (f"the working tree{why}: app/ with this virtualenv and the image's PATH, PYTHONUNBUFFERED and "
                "PYTHONDONTWRITEBYTECODE, not the image")

    def environment(self, container: dict, *, secrets: dict[str, str], overrides: list[Override]) -> dict[str, str]:
        return process_environment(container, secrets=secrets, overrides=overrides)

    def start(self, command: Sequence[str], *, name: str, log_dir: Path, env: Mapping[str, str]) -> WorkingTreeProcess:
        process = ManagedProcess.start(list(command), name=name, log_dir=log_dir, env=dict(env), cwd=APP_DIR)
        return WorkingTreeProcess(process, dict(env))

    def run(self, command: Sequence[str], *, env: Mapping[str, str], timeout: float) -> subprocess.CompletedProcess:
        return subprocess.run(list(command), cwd=APP_DIR, env=dict(env), capture_output=True, text=True,
                              timeout=timeout)

    def run_on_terminal(self, command: Sequence[str], *, env: Mapping[str, str], timeout: float) -> tuple[int, str]:
        """A one-off command whose output is a terminal: (exit code, what it showed)."""
        return run_on_terminal(list(command), cwd=APP_DIR, env=dict(env), timeout=timeout)

    def close(self) -> None:
        """Nothing held."""


class ImageRunner:
    """Containers of the built image."""

    shares_tmp = False

    def __init__(self, image: BuiltImage | None = None) -> None:
        self.image = image or built_image()
        self.engine = image_engine(self.image)

    def describe(self) -> str:
        return f"the image {self.image.summary()}; {self.image.bases}"

    def environment(self, container: dict, *, secrets: dict[str, str], overrides: list[Override]) -> dict[str, str]:
        return container_environment(container, secrets=secrets, overrides=overrides)

    def start(self, command: Sequence[str], *, name: str, log_dir: Path, env: Mapping[str, str]) -> ContainerProcess:
        return ContainerProcess.start(self.engine, command, name=name, log_dir=log_dir, env=env)

    def run(self, command: Sequence[str], *, env: Mapping[str, str], timeout: float) -> subprocess.CompletedProcess:
        """A one-off container (as an ECS run-task with a command override)."""
        import tempfile

        with tempfile.TemporaryDirectory() as log_dir:
            one_off = self.start(command, name="one-off", log_dir=Path(log_dir), env=env)
            try:
                code = one_off.process.wait_exit(timeout=timeout)
                output = one_off.process.log_text()
            finally:
                one_off.stop(signal.SIGKILL, timeout=1)
        return subprocess.CompletedProcess(list(command), code, output, "" if code == 0 else output)

    def run_on_terminal(self, command: Sequence[str], *, env: Mapping[str, str], timeout: float) -> tuple[int, str]:
        """A one-off container whose output is a terminal (``docker run -t``): (exit code, what it showed)."""
        container = self.engine.create("one-off")
        try:
            return run_on_terminal(container.run_argv(command, list(env), terminal=True), cwd=REPO_ROOT,
                                   env=self.engine.process_env(env), timeout=timeout)
        finally:
            container.remove()

    def close(self) -> None:
        self.engine.close()


def image_runner(*, required: bool, say: Callable[[str], None]) -> ImageRunner | WorkingTreeRunner:
    """The image's runner (built now); when it cannot be built, a StepFailed if ``required``, else
    the working tree's runner, saying why."""
    try:
        runner = ImageRunner()
    except ImageUnavailable as error:
        if required:
            raise StepFailed(f"the image could not be built: {error}") from error
        reason = str(error).splitlines()[-1]
        say(f"    the image could not be built; the working tree runs instead: {reason}")
        return WorkingTreeRunner(instead_of_image=reason)
    say(f"    {runner.image.summary()}, {runner.image.seconds} s")
    return runner
