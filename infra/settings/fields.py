"""How a setting is declared: a :class:`~infra.settings.model.Settings` field bound to a config
key, with its Pulumi config type, default and description."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

PROJECT = "healthkit-fargate"

#: Settings that may be stored with ``pulumi config set --secret``: the program keeps them secret
#: in the state. Every other setting is plain configuration (secrets such as the Django key and
#: the database password are generated in AWS and never pass through config).
SECRET_CAPABLE = frozenset({"alarmEmail"})

#: Pulumi project config types (Pulumi.yaml ``config:`` ``type``).
_TYPES = ("string", "integer", "boolean", "array")


def setting(key: str, type_: str, default: Any, description: str) -> Any:
    """A Settings field bound to config ``key`` (Pulumi project config type ``type_``)."""
    assert type_ in _TYPES, type_
    meta = {"key": key, "type": type_, "description": description}
    if isinstance(default, list):
        return field(default_factory=lambda d=tuple(default): list(d), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class SettingSpec:
    """One stack setting as declared in :class:`Settings` (key, type, default, description)."""

    key: str
    attribute: str
    type: str
    default: Any
    description: str
