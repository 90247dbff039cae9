"""The project's image: built once per process by ``scripts/build-image``, and run as containers.

:func:`built_image` builds (or finds warm) the Dockerfile's image and returns what the build
reported (:class:`BuiltImage`), or raises :class:`ImageUnavailable` with the build's own error.
:func:`image_engine` returns how to run it: :class:`DockerEngine` (``docker run``/``exec``)
when the image was built by Docker, :class:`BuildahEngine` (``scripts/buildah run``, chroot
isolation, in one held mount namespace) for the offline build. Both run containers on the
host network as ECS's awsvpc mode gives each task its own: a container reaches 127.0.0.1
services, and answers on 127.0.0.1 itself.

Environment values never go on a command line: a container gets ``-e NAME`` and the value
comes from the environment of the runner process (:meth:`ContainerEngine.process_env`).
"""

from __future__ import annotations

import functools
import json
import os
import re
import signal
import subprocess
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from localservices.processes import ManagedProcess

REPO_ROOT = Path(__file__).resolve().parents[1]
BUILD_IMAGE = REPO_ROOT / "scripts" / "build-image"
BUILDAH = REPO_ROOT / "scripts" / "buildah"
#: a cold offline build (toolchain, stand-in bases, every layer) takes ~3 minutes on 2 cores
BUILD_TIMEOUT_SECONDS = 1200


class ImageUnavailable(RuntimeError):
    """The image could not be built on this machine (the message says why)."""


@dataclass(frozen=True)
class BuiltImage:
    """What ``scripts/build-image --json`` reported."""

    engine: str
    """``docker`` or ``buildah``."""
    name: str
    id: str
    size: str
    bases: str
    """Where the base images came from, and for stand-ins what that does not prove."""
    seconds: int

    def summary(self) -> str:
        return f"{self.name} ({self.id.removeprefix('sha256:')[:12]}, {self.size}, built by {self.engine})"


@functools.cache
def built_image() -> BuiltImage:
    """Build the image (once per process; warm builds take seconds) or raise ImageUnavailable."""
    try:
        result = subprocess.run([str(BUILD_IMAGE), "--json"], cwd=REPO_ROOT, capture_output=True, text=True,
                                timeout=BUILD_TIMEOUT_SECONDS, stdin=subprocess.DEVNULL)
    except subprocess.TimeoutExpired as timeout:
        raise ImageUnavailable(f"scripts/build-image did not finish in {BUILD_TIMEOUT_SECONDS} s") from timeout
    if result.returncode != 0:
        tail = "\n".join(result.stderr.strip().splitlines()[-25:])
        raise ImageUnavailable(f"scripts/build-image exited with {result.returncode}:\n{tail}")
    report = json.loads(result.stdout.strip().splitlines()[-1])
    return BuiltImage(engine=report["engine"], name=report["name"], id=report["id"], size=report["size"],
                      bases=report["bases"], seconds=int(report["seconds"]))


@dataclass(frozen=True)
class Container:
    """A container of the image (created; its processes are started with the engine's argv)."""

    name: str
    engine: ContainerEngine

    def run_argv(self, command: Sequence[str], env_names: Sequence[str], *, terminal: bool = False) -> list[str]:
        """The command line of a process running ``command`` as the container's main process
        (``terminal``: its stdio is a terminal, as ``docker run -t``)."""
        return self.engine.run_argv(self, command, env_names, terminal=terminal)

    def exec_argv(self, command: Sequence[str], env_names: Sequence[str]) -> list[str]:
        """The command line of a process running ``command`` beside the main one (``docker exec``)."""
        return self.engine.exec_argv(self, command, env_names)

    def signal(self, runner_pid: int, signum: int) -> None:
        """Send ``signum`` to the container's main process (as ``docker kill --signal``)."""
        self.engine.signal(self, runner_pid, signum)

    def remove(self) -> None:
        self.engine.remove(self)


class ContainerEngine:
    """How containers of an image are created, run and removed."""

    def __init__(self, image: BuiltImage) -> None:
        self.image = image

    def create(self, label: str) -> Container:
        raise NotImplementedError

    def run_argv(self, container: Container, command: Sequence[str], env_names: Sequence[str], *,
                 terminal: bool = False) -> list[str]:
        raise NotImplementedError

    def exec_argv(self, container: Container, command: Sequence[str], env_names: Sequence[str]) -> list[str]:
        raise NotImplementedError

    def signal(self, container: Container, runner_pid: int, signum: int) -> None:
        raise NotImplementedError

    def remove(self, container: Container) -> None:
        raise NotImplementedError

    def process_env(self, container_env: Mapping[str, str]) -> dict[str, str]:
        """The runner process's environment: the container's values (passed by name) and what
        the engine's client needs (the container gets only the names it is given)."""
        client = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/root")}
        return client | dict(container_env)

    def close(self) -> None:
        """Release what the engine holds (nothing by default)."""

    @staticmethod
    def _env_args(env_names: Sequence[str]) -> list[str]:
        return [arg for name in env_names for arg in ("--env", name)]

    @staticmethod
    def _unique(label: str) -> str:
        """``healthkit-<label>-<this process's pid>-<random>``: whose container it is."""
        return f"healthkit-{label}-{os.getpid()}-{uuid.uuid4().hex[:8]}"


class DockerEngine(ContainerEngine):
    """``docker run --init`` (ECS's initProcessEnabled) on the host network."""

    def create(self, label: str) -> Container:
        return Container(self._unique(label), self)

    def process_env(self, container_env):
        """The docker client also needs its own settings (HOME's ~/.docker, DOCKER_HOST...)."""
        client = {k: v for k, v in os.environ.items() if k == "HOME" or k.startswith("DOCKER_")}
        return client | super().process_env(container_env)

    def run_argv(self, container, command, env_names, *, terminal=False):
        return ["docker", "run", *(["-t"] if terminal else []), "--rm", "--name", container.name, "--init",
                "--network", "host", *self._env_args(env_names), self.image.id, *command]

    def exec_argv(self, container, command, env_names):
        return ["docker", "exec", *self._env_args(env_names), container.name, *command]

    def signal(self, container, runner_pid, signum):
        subprocess.run(["docker", "kill", "--signal", signal.Signals(signum).name, container.name],
                       capture_output=True, timeout=30)

    def remove(self, container):
        subprocess.run(["docker", "rm", "--force", container.name], capture_output=True, timeout=60)


class BuildahEngine(ContainerEngine):
    """``buildah run`` with chroot isolation and the host network, from ``scripts/buildah``.

    One mount namespace is held for the engine's life (``scripts/buildah --hold``), so a
    container's filesystem is mounted once however many processes run in it.
    """

    def __init__(self, image: BuiltImage) -> None:
        super().__init__(image)
        self._holder = subprocess.Popen([str(BUILDAH), "--hold"], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                        text=True, cwd=REPO_ROOT, start_new_session=True)
        said = self._holder.stdout.readline().split()
        if len(said) != 2 or said[0] != "ready":
            self._holder.kill()
            raise ImageUnavailable(f"scripts/buildah --hold did not start (said {' '.join(said)!r})")
        self._namespace_pid = said[1]  # the holder's own pid (not sudo's, when it asked for sudo)
        self._remove_orphans()

    def process_env(self, container_env):
        return super().process_env(container_env) | {"HEALTHKIT_BUILDAH_NAMESPACE": self._namespace_pid}

    def _buildah(self, *args: str, timeout: float = 120) -> str:
        result = subprocess.run([str(BUILDAH), *args], env=self.process_env({}), capture_output=True, text=True,
                                timeout=timeout, cwd=REPO_ROOT)
        if result.returncode != 0:
            raise ImageUnavailable(f"buildah {' '.join(args)}: {result.stderr.strip()[-2000:]}")
        return result.stdout.strip()

    def _remove_orphans(self) -> None:
        """Containers of sessions that ended without removing them (killed): their pid is gone."""
        orphans = []
        for name in self._buildah("containers", "--format", "{{.ContainerName}}").split():
            match = re.fullmatch(r"healthkit-.+-(\d+)-[0-9a-f]{8}", name)
            if match and not _alive(int(match.group(1))):
                orphans.append(name)
        if orphans:
            self._buildah("rm", *orphans)

    def create(self, label: str) -> Container:
        name = self._unique(label)
        self._buildah("from", "--pull=never", "--name", name, self.image.id)
        return Container(name, self)

    def run_argv(self, container, command, env_names, *, terminal=False):
        return [str(BUILDAH), "run", *(["--terminal"] if terminal else []), "--network", "host",
                *self._env_args(env_names), container.name, "--", *command]

    def exec_argv(self, container, command, env_names):
        """A second ``buildah run`` in the same container shares its filesystem."""
        return self.run_argv(container, command, env_names)

    def signal(self, container, runner_pid, signum):
        """buildah does not forward signals (SIGTERM kills the command): signal the command itself."""
        main = _first_descendant_not_buildah(runner_pid)
        if main is not None:
            os.kill(main, signum)

    def remove(self, container):
        try:
            self._buildah("rm", container.name)
        except ImageUnavailable:
            pass  # already gone

    def close(self) -> None:
        if self._holder.poll() is None:
            self._holder.stdin.close()
            self._holder.wait(timeout=30)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _children(pid: int) -> list[int]:
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            found.extend(int(child) for child in (task / "children").read_text().split())
        except OSError:
            continue
    return found


def _first_descendant_not_buildah(pid: int) -> int | None:
    """The container's main process: the first process under the runner that is not buildah's own."""
    todo = _children(pid)
    while todo:
        child = todo.pop(0)
        try:
            comm = Path(f"/proc/{child}/comm").read_text().strip()
        except OSError:
            continue
        if "buildah" not in comm and not comm.startswith("memfd:"):
            return child
        todo.extend(_children(child))
    return None


@dataclass
class ContainerProcess:
    """A new container of the image whose main process runs a command; its output is the log."""

    container: Container
    process: ManagedProcess
    env: dict[str, str]

    @classmethod
    def start(cls, engine: ContainerEngine, command: Sequence[str], *, name: str, log_dir: Path,
              env: Mapping[str, str]) -> ContainerProcess:
        """Create a container and start ``command`` in it with exactly ``env`` (plus the image's ENV)."""
        container = engine.create(name)
        process = ManagedProcess.start(container.run_argv(command, list(env)), name=name, log_dir=log_dir,
                                       env=engine.process_env(env))
        return cls(container, process, dict(env))

    def exec(self, command: Sequence[str], *, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run ``command`` in the running container with its environment (``docker exec``)."""
        engine = self.container.engine
        return subprocess.run(self.container.exec_argv(command, list(self.env)), env=engine.process_env(self.env),
                              capture_output=True, text=True, timeout=timeout)

    def stop(self, signum: int = signal.SIGTERM, *, timeout: float = 20) -> int | None:
        """``signum`` to the main process (as ECS stops a task), SIGKILL after ``timeout`` seconds;
        then the container is removed. The exit code."""
        if self.process.popen.poll() is None:
            self.container.signal(self.process.pid, signum)
            try:
                self.process.popen.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                pass
        code = self.process.stop(signum=signal.SIGKILL, timeout=5)
        self.container.remove()
        return code


def image_engine(image: BuiltImage) -> ContainerEngine:
    """The engine that built ``image`` runs it."""
    return DockerEngine(image) if image.engine == "docker" else BuildahEngine(image)
