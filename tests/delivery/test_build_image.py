"""scripts/build-image and its libraries, without building: shellcheck, the Dockerfile's bases,
the image's name per checkout, and the choice of engine (docker where an engine answers)."""

from __future__ import annotations

import json
import os
import subprocess

import pytest

from .conftest import REPO_ROOT, tool

SCRIPTS = ["scripts/build-image", "scripts/buildah", "scripts/lib/buildah_toolchain.sh",
           "scripts/lib/standin_bases.sh", "scripts/lib/image_build.sh"]


def bash(snippet: str, *, cwd=REPO_ROOT) -> str:
    """Run ``snippet`` with the build libraries sourced; its stdout."""
    prelude = ("set -euo pipefail; source scripts/lib/bootstrap.sh; source scripts/lib/buildah_toolchain.sh; "
               "source scripts/lib/standin_bases.sh; source scripts/lib/image_build.sh; ")
    if cwd != REPO_ROOT:
        prelude = f"cd {REPO_ROOT}; {prelude} cd {cwd}; "
    result = subprocess.run(["bash", "-c", prelude + snippet], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    return result.stdout


def test_the_build_scripts_pass_shellcheck():
    result = subprocess.run([tool("shellcheck"), "-x", *SCRIPTS], cwd=REPO_ROOT, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stdout
    assert all(os.access(REPO_ROOT / script, os.X_OK) for script in SCRIPTS[:2])


def test_the_stand_ins_are_the_dockerfiles_external_bases_not_its_stages():
    assert bash("dockerfile_bases Dockerfile").split() == ["ghcr.io/astral-sh/uv:0.13.9", "python:3.11.14-slim-bookworm"]


@pytest.mark.parametrize("short, full", [
    ("python:3.11.14-slim-bookworm", "docker.io/library/python:3.11.14-slim-bookworm"),
    ("bitnami/redis:7.4.1", "docker.io/bitnami/redis:7.4.1"),
    ("ghcr.io/astral-sh/uv:0.13.9", "ghcr.io/astral-sh/uv:0.13.9"),
])
def test_base_names_are_qualified_as_buildah_resolves_them(short, full):
    assert bash(f"qualified_name {short}").strip() == full


def test_each_checkout_gets_its_own_tag(tmp_path):
    here = bash("image_name").strip()
    other = bash("image_name", cwd=tmp_path).strip()
    assert here.startswith("localhost/healthkit-fargate:") and other.startswith("localhost/healthkit-fargate:")
    assert here != other


def test_build_image_uses_docker_buildx_where_a_docker_engine_answers(tmp_path):
    """A `docker` on PATH whose engine answers (a recording stand-in for the CLI) gets the build."""
    calls = tmp_path / "calls"
    docker = tmp_path / "docker"
    docker.write_text(f"""#!/bin/sh
echo "$*" >> {calls}
case "$1 $2" in
  "buildx build") while [ "$1" != --iidfile ]; do shift; done; echo sha256:feed > "$2" ;;
  "image inspect") echo 123000000 ;;
  "version --format") echo 28.2.2 ;;
esac
""")
    docker.chmod(0o755)
    result = subprocess.run([str(REPO_ROOT / "scripts" / "build-image"), "--json"], capture_output=True, text=True,
                            env={**os.environ, "PATH": f"{tmp_path}:{os.environ['PATH']}"}, timeout=60)

    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["engine"], report["id"], report["size"]) == ("docker", "sha256:feed", "123 MB")
    build = next(line.split() for line in calls.read_text().splitlines() if line.startswith("buildx build"))
    assert build[-1] == "." and "--load" in build and build[build.index("-t") + 1] == report["name"]


def test_a_docker_built_image_runs_with_docker_run_and_exec_on_the_host_network():
    from localservices.image import BuiltImage, DockerEngine

    engine = DockerEngine(BuiltImage("docker", "localhost/x:y", "sha256:feed", "1 MB", "registry bases", 1))
    container = engine.create("api")

    run = container.run_argv(["gunicorn", "backend.wsgi:application"], ["DB_PASSWORD"])
    assert run[:2] == ["docker", "run"] and run[-3:] == ["sha256:feed", "gunicorn", "backend.wsgi:application"]
    assert {"--init", "host", "DB_PASSWORD"} <= set(run) and "DB_PASSWORD=" not in " ".join(run)
    assert container.exec_argv(["python", "-m", "backend.health", "worker"], [])[:2] == ["docker", "exec"]
