"""The stack's config as the Pulumi CLI would hand it to the program: project defaults, then the
stack file, then overrides; and as the engine passes it (strings, structured values as JSON)."""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

import yaml

from infra.settings import PROJECT

REPO_ROOT = Path(__file__).resolve().parents[2]
#: Stands in for a stack file's encrypted (``secure:``) value, which only the CLI can decrypt.
MOCK_SECRET = "mock-secret"


def namespaced(key: str) -> str:
    return key if ":" in key else f"{PROJECT}:{key}"


def load_stack_config(
    stack: str, overrides: Mapping[str, Any] | None = None, root: Path | None = None,
) -> dict[str, Any]:
    """The stack's config as plain values keyed ``namespace:key``: ``Pulumi.yaml`` defaults, then
    ``Pulumi.<stack>.yaml``, then ``overrides`` (bare keys are this project's; ``None`` removes
    a key). Encrypted (``secure:``) values become :data:`MOCK_SECRET` (override them to test)."""
    root = root or REPO_ROOT
    project = yaml.safe_load((root / "Pulumi.yaml").read_text())
    values: dict[str, Any] = {}
    for key, decl in (project.get("config") or {}).items():
        if isinstance(decl, dict) and "default" in decl:
            values[namespaced(key)] = decl["default"]
        elif isinstance(decl, dict) and "value" in decl:
            values[namespaced(key)] = decl["value"]
        elif not isinstance(decl, dict):
            values[namespaced(key)] = decl
    for key, value in _stack_file_config(root, stack).items():
        values[key] = MOCK_SECRET if _is_encrypted(value) else value
    for key, value in (overrides or {}).items():
        if value is None:
            values.pop(namespaced(key), None)
        else:
            values[namespaced(key)] = value
    return values


def _stack_file_config(root: Path, stack: str) -> dict[str, Any]:
    stack_file = root / f"Pulumi.{stack}.yaml"
    if not stack_file.is_file():
        return {}
    raw = (yaml.safe_load(stack_file.read_text()) or {}).get("config") or {}
    return {namespaced(k): v for k, v in raw.items()}


def _is_encrypted(value: Any) -> bool:
    return isinstance(value, dict) and set(value) == {"secure"}


def secret_config_keys(stack: str, extra: Iterable[str] = (), root: Path | None = None) -> list[str]:
    """Keys the engine would flag secret: the stack file's encrypted values plus ``extra``."""
    keys = {k for k, v in _stack_file_config(root or REPO_ROOT, stack).items() if _is_encrypted(v)}
    return sorted(keys | {namespaced(k) for k in extra})


def engine_config(values: Mapping[str, Any]) -> dict[str, str]:
    """Config values as the engine passes them to a program: strings, structured values as JSON."""
    out = {}
    for key, value in values.items():
        if isinstance(value, bool):
            out[key] = "true" if value else "false"
        elif isinstance(value, (dict, list)):
            out[key] = json.dumps(value)
        else:
            out[key] = str(value)
    return out
