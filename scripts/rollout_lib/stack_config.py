"""Pulumi.<stack>.yaml: read values, and set one value without disturbing the rest of the file.

The file is edited line by line (comments, ordering and quoting elsewhere are kept), then parsed
back to prove the result is the intended YAML. Pulumi keeps config under a top-level ``config:``
mapping whose keys are ``<namespace>:<name>``; the main program's namespace is its project name.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import yaml

DEFAULT_PROJECT = "healthkit-fargate"


class StackConfigError(ValueError):
    """The stack config file cannot be read or updated safely; the message says why."""


def project_name(repo_root: Path) -> str:
    """The main Pulumi project's name (its config namespace), from Pulumi.yaml."""
    project_file = repo_root / "Pulumi.yaml"
    if project_file.is_file():
        name = (yaml.safe_load(project_file.read_text()) or {}).get("name")
        if isinstance(name, str) and name:
            return name
    return DEFAULT_PROJECT


def config_path(repo_root: Path, stack: str) -> Path:
    return repo_root / f"Pulumi.{stack}.yaml"


def load(path: Path) -> dict:
    if not path.is_file():
        return {}
    try:
        document = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as error:
        raise StackConfigError(f"{path} is not valid YAML: {error}") from error
    config = document.get("config") or {}
    if not isinstance(config, dict):
        raise StackConfigError(f"{path}: `config` is not a mapping")
    return config


def get_value(path: Path, key: str) -> object:
    return load(path).get(key)


def _scalar(value: str) -> str:
    """``value`` as a YAML scalar: plain when that round-trips, double-quoted otherwise."""
    try:
        if yaml.safe_load(value) == value and "#" not in value and "\n" not in value:
            return value
    except yaml.YAMLError:
        pass
    return json.dumps(value)


def set_value(path: Path, key: str, value: str) -> None:
    """Set ``config.<key>`` to the string ``value`` in ``path`` (created when missing)."""
    current = load(path)  # refuses invalid files before touching them
    if isinstance(current.get(key), dict):
        raise StackConfigError(f"{path}: {key} is a structured (e.g. secure) value; refusing to overwrite it")

    lines = path.read_text().splitlines(keepends=True) if path.is_file() else []
    config_line = next((i for i, line in enumerate(lines) if re.match(r"config:\s*(#.*)?$", line)), None)
    entry = f"{key}: {_scalar(value)}\n"
    if config_line is None and any(re.match(r"config:\s*[^\s#]", line) for line in lines):
        raise StackConfigError(f"{path}: `config` is written inline; write it as a block mapping to update {key}")

    if config_line is None:
        if lines and not lines[-1].endswith("\n"):
            lines[-1] += "\n"
        lines += ["config:\n", f"  {entry}"]
    else:
        end = config_line + 1
        while end < len(lines) and (lines[end].startswith((" ", "\t", "#")) or not lines[end].strip()):
            end += 1
        body = [i for i in range(config_line + 1, end) if lines[i].strip() and not lines[i].lstrip().startswith("#")]
        indent = re.match(r"[ \t]*", lines[body[0]]).group(0) if body else "  "
        key_re = re.compile(rf"{re.escape(indent)}{re.escape(key)}:(\s.*)?")
        existing = next((i for i in body if key_re.fullmatch(lines[i].rstrip("\n"))), None)
        if existing is not None:
            lines[existing] = f"{indent}{entry}"
        else:
            # after the last line of the block (a nested value's last line included)
            lines.insert((body[-1] if body else config_line) + 1, f"{indent}{entry}")

    text = "".join(lines)
    try:
        written = (yaml.safe_load(text) or {}).get("config", {}).get(key)
    except yaml.YAMLError as error:  # pragma: no cover - defensive: never write a broken file
        raise StackConfigError(f"{path}: updating {key} would produce invalid YAML ({error})") from error
    if written != value:
        raise StackConfigError(f"{path}: could not set {key} safely (would read back {written!r})")
    path.write_text(text)
