"""What every mapper shares: the request it returns and the reader of a resource's inputs."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class ApiRequest:
    """One AWS API call: botocore service name, operation name, request parameters."""

    service: str
    operation: str
    params: dict


class UnmappedInputError(KeyError):
    """A resource input this module does not know how to send to AWS."""


class Inputs:
    """Inputs of one resource; each mapper takes what it maps, then :meth:`done` checks none is left."""

    def __init__(self, type_token: str, inputs: Mapping[str, Any]):
        self.type = type_token
        self._left = {k: v for k, v in inputs.items() if v is not None}

    def take(self, key: str, default: Any = None) -> Any:
        return self._left.pop(key, default)

    def has(self, key: str) -> bool:
        return key in self._left

    def done(self, provider_only: tuple[str, ...] = ()) -> None:
        for key in provider_only + ("region",):
            self._left.pop(key, None)
        if self._left:
            raise UnmappedInputError(f"{self.type}: no AWS mapping for inputs {sorted(self._left)}")


def compact(d: dict) -> dict:
    """Drop None values (and empty containers) like the provider does."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def tags_kv(tags: Mapping[str, str] | None, key: str = "Key", value: str = "Value") -> list | None:
    return [{key: k, value: v} for k, v in sorted((tags or {}).items())] or None


def bool_str(value: Any) -> str:
    return "true" if value else "false"
