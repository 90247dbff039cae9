"""The two commands' install steps (scripts/lib/bootstrap.sh) and the fresh-machine check's chroot
helpers (scripts/lib/rootfs.sh), run as bash does. The whole check is `scripts/check-fresh-machine`
(run by .ci/run); these are the parts quick enough for the suite."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from .conftest import REPO_ROOT, tool

BOOTSTRAP = REPO_ROOT / "scripts" / "lib" / "bootstrap.sh"
ROOTFS = REPO_ROOT / "scripts" / "lib" / "rootfs.sh"
SHELL_SCRIPTS = [
    REPO_ROOT / "scripts" / "test",
    REPO_ROOT / "scripts" / "rehearse",
    REPO_ROOT / "scripts" / "check-fresh-machine",
    BOOTSTRAP,
    ROOTFS,
    REPO_ROOT / ".ci" / "run",
]


def pinned_uv_version() -> str:
    return re.search(r"^UV_VERSION=(\S+)$", BOOTSTRAP.read_text(), re.MULTILINE).group(1)


def path_without_uv() -> str:
    """This PATH less every folder that holds a uv."""
    return os.pathsep.join(d for d in os.environ["PATH"].split(os.pathsep) if d and not (Path(d) / "uv").exists())


def run_bash(script: str, *, home: Path, path: str | None = None) -> subprocess.CompletedProcess:
    """`script` in bash with the bootstrap functions, HOME=`home` and no uv on PATH (unless `path`)."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("XDG_", "VIRTUAL_ENV", "UV_PROJECT"))}
    env.update(HOME=str(home), PATH=path or path_without_uv())
    return subprocess.run(
        ["bash", "-c", f"set -euo pipefail; source {BOOTSTRAP}; {script}"],
        env=env, capture_output=True, text=True, timeout=240, cwd=REPO_ROOT,
    )


def fake_uv(folder: Path, version: str) -> Path:
    """An executable named uv that only answers --version (stands in for someone else's uv)."""
    folder.mkdir(parents=True, exist_ok=True)
    uv = folder / "uv"
    uv.write_text(f"#!/bin/sh\necho 'uv {version}'\n")
    uv.chmod(0o755)
    return uv


# --- ensure_uv -----------------------------------------------------------------------------------


def test_without_uv_it_installs_the_pinned_uv_into_its_own_venv_from_pypi(tmp_path):
    result = run_bash('ensure_uv; command -v uv; uv --version', home=tmp_path)
    assert result.returncode == 0, result.stderr
    where, version = result.stdout.split("\n")[:2]
    home = tmp_path / ".local" / "share" / "healthkit-fargate"
    assert where == str(home / "bin" / "uv")
    assert Path(where).resolve() == (home / "uv-venv" / "bin" / "uv").resolve()
    assert (home / "uv-venv" / "pyvenv.cfg").exists()
    assert version.split()[:2] == ["uv", pinned_uv_version()]
    assert not (tmp_path / ".local" / "bin").exists(), "nothing is installed with pip --user"
    assert sorted(p.name for p in (home / "bin").iterdir()) == ["uv", "uvx"]

    again = run_bash("ensure_uv; uv --version", home=tmp_path)
    assert again.returncode == 0 and "installing" not in again.stderr, again.stderr

    # a venv whose uv is not the pinned one (an older pin, a broken install) is rebuilt
    fake_uv(home / "uv-venv" / "bin", "0.0.1")
    rebuilt = run_bash("ensure_uv; uv --version", home=tmp_path)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "installing uv" in rebuilt.stderr
    assert rebuilt.stdout.split()[:2] == ["uv", pinned_uv_version()]


def test_a_uv_already_on_path_is_used_as_it_is(tmp_path):
    mine = fake_uv(tmp_path / "tools", "9.9.9")
    result = run_bash("ensure_uv; command -v uv", home=tmp_path, path=f"{mine.parent}{os.pathsep}{path_without_uv()}")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(mine)
    assert not (tmp_path / ".local" / "share" / "healthkit-fargate").exists()


@pytest.mark.parametrize("folder", [".local/bin", ".cargo/bin"])
def test_a_uv_where_its_installers_put_it_is_used_when_not_on_path(tmp_path, folder):
    theirs = fake_uv(tmp_path / folder, "9.9.9")
    result = run_bash("ensure_uv; command -v uv", home=tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == str(theirs)
    assert not (tmp_path / ".local" / "share" / "healthkit-fargate").exists()


def test_the_pin_is_the_uv_the_image_builds_with():
    dockerfile = (REPO_ROOT / "Dockerfile").read_text()
    assert f"ghcr.io/astral-sh/uv:{pinned_uv_version()} " in dockerfile


# --- rootfs helpers ------------------------------------------------------------------------------


def in_private_mounts(script: str, tmp_path: Path) -> subprocess.CompletedProcess:
    """`script` with the rootfs functions, as root in a mount namespace of its own (the host's
    mounts are never touched, whatever the helpers do)."""
    prefix = [] if os.geteuid() == 0 else ["--map-root-user"]
    return subprocess.run(
        ["unshare", *prefix, "--mount", "--propagation", "private", "--pid", "--fork", "--mount-proc",
         "bash", "-c", f"set -euo pipefail; source {ROOTFS}; {script}"],
        env={**os.environ, "HEALTHKIT_CACHE": str(tmp_path / "cache")},
        capture_output=True, text=True, timeout=60, cwd=tmp_path,
    )


def test_a_chroot_gets_proc_sys_dev_and_loses_them_and_its_processes_when_removed(tmp_path):
    # a root that runs the host's programs: /usr bound in, merged-/usr links
    script = r"""
    root=$PWD/work/root
    mkdir -p "$root"/{proc,sys,dev,usr,tmp}
    for link in bin lib lib64 sbin; do ln -s usr/$link "$root/$link"; done
    rootfs_mount "$root"
    mount --bind /usr "$root/usr"
    chroot "$root" sh -c 'test -e /proc/self/status && test -d /sys/kernel && test -c /dev/null && echo mounted'
    mountpoint -q "$root/dev/pts" && mountpoint -q "$root/dev/shm" && echo "pts and shm"
    chroot "$root" sleep 600 & sleeper=$!
    sleep 0.5
    rootfs_remove "$PWD/work"
    wait "$sleeper" || echo "sleeper ended: $?"
    test ! -e "$PWD/work" && echo removed
    test -z "$(findmnt -rn -o TARGET | grep -F "$PWD/work")" && echo "no mounts left"
    test -c /dev/null && test -e /proc/self/status && ls /usr/bin/env >/dev/null && echo "host intact"
    """
    result = in_private_mounts(script, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.split("\n")[:-1] == [
        "mounted", "pts and shm", "sleeper ended: 143", "removed", "no mounts left", "host intact",
    ], result.stdout + result.stderr


def test_rootfs_debootstrap_refuses_a_folder_that_is_not_empty(tmp_path):
    (tmp_path / "target").mkdir()
    (tmp_path / "target" / "keep").write_text("mine")
    result = in_private_mounts("rootfs_debootstrap bookworm target python3", tmp_path)
    assert result.returncode != 0
    assert "target is not empty" in result.stderr
    assert (tmp_path / "target" / "keep").read_text() == "mine"
    assert not (tmp_path / "cache").exists()


# --- the scripts themselves ----------------------------------------------------------------------


def test_the_shell_scripts_pass_shellcheck_and_the_commands_are_executable():
    result = subprocess.run([tool("shellcheck"), "-x", *map(str, SHELL_SCRIPTS)],
                            capture_output=True, text=True, timeout=60, cwd=REPO_ROOT)
    assert result.returncode == 0, result.stdout
    commands = [p for p in SHELL_SCRIPTS if "lib" not in p.parts]
    assert all(os.access(p, os.X_OK) for p in commands)


def test_ci_runs_the_fresh_machine_check_and_the_readmes_test_command():
    ci = (REPO_ROOT / ".ci" / "run").read_text()
    assert "scripts/check-fresh-machine" in ci
    assert "./scripts/test" in ci
