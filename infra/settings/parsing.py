"""Raw config values (engine strings or plain values) to a validated :class:`Settings`: types,
unknown keys, keys that may not be secret, the region; then every rule."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from typing import Any

from infra.settings.errors import SettingsError, Violation
from infra.settings.fields import PROJECT, SECRET_CAPABLE, SettingSpec
from infra.settings.model import Settings, setting_specs
from infra.settings.rules import validate


def _parse(spec: SettingSpec, raw: Any) -> Any:
    """Parse one raw config value (engine strings or plain values) to the setting's type."""
    if spec.type == "string":
        if not isinstance(raw, str):
            raise ValueError("must be a string")
        return raw.strip()
    if spec.type == "integer":
        if isinstance(raw, bool):
            raise ValueError("must be an integer")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()):
            return int(raw.strip())
        raise ValueError("must be an integer")
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise ValueError("must be true or false")
    # array of strings
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError as exc:
            raise ValueError("must be a list (JSON array) of strings") from exc
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return [v.strip() for v in value]


def load_settings(
    values: Mapping[str, Any], *, stack: str, region: str | None, secret_keys: Iterable[str] = (),
) -> Settings:
    """Build and validate :class:`Settings` from config values keyed by setting key.

    ``values`` holds only the keys that are set (missing keys take the declared default); keys
    may carry the ``healthkit-fargate:`` namespace. Raises :class:`SettingsError` listing every
    violation: unknown keys, type errors, and each rule of :func:`validate`.
    """
    specs = {s.key: s for s in setting_specs()}
    violations: list[Violation] = []
    parsed: dict[str, Any] = {}
    for raw_key, raw in values.items():
        key = raw_key.split(":", 1)[1] if raw_key.startswith(f"{PROJECT}:") else raw_key
        spec = specs.get(key)
        if spec is None:
            close = _closest(key, specs)
            violations.append(Violation(
                key, raw, "is not a setting of this project",
                f"remove it{f' (did you mean {close}?)' if close else ''}; see docs/infra.md"))
            continue
        try:
            parsed[spec.attribute] = _parse(spec, raw)
        except ValueError as exc:
            violations.append(Violation(
                key, raw, f"{exc} ({spec.type})", f"set a valid {spec.type}, e.g. {spec.default!r}"))
    secret = frozenset(k.split(":", 1)[1] if k.startswith(f"{PROJECT}:") else k for k in secret_keys)
    for key in sorted(secret - SECRET_CAPABLE):
        if key in specs:
            violations.append(Violation(
                key, "[secret]", "is plain configuration and would be stored unencrypted in the state",
                f"pulumi config set {key} <value> (without --secret)"))
    if not region:
        violations.append(Violation(
            "aws:region", region, "is required", "pulumi config set aws:region <region>"))
    settings = Settings(stack=stack, region=region or "", secret_keys=secret & SECRET_CAPABLE, **parsed)
    violations += validate(settings, skip={v.setting for v in violations})
    if violations:
        raise SettingsError(stack, violations)
    return settings


def _closest(key: str, specs: Mapping[str, SettingSpec]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(specs), n=1, cutoff=0.6)
    return match[0] if match else None
