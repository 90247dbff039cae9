"""What a mock run recorded: each resource and invoke, and the run as a whole."""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from infra.settings import Settings


@dataclass(frozen=True)
class RecordedResource:
    """One resource the program registered, as the engine would have received it."""

    type: str
    """Type token, e.g. ``aws:sqs/queue:Queue`` or ``healthkit:queue:Queue``."""
    name: str
    """Logical name."""
    urn: str
    parent: str | None
    """URN of the parent (the root stack for top-level resources)."""
    custom: bool
    """True for provider resources; False for components (ours and awsx's)."""
    remote: bool
    """True for multi-language components (awsx)."""
    id: str | None
    inputs: dict
    """Resolved inputs, engine property names (camelCase), secrets unwrapped, whole floats as int."""
    outputs: dict
    """The mock's answer: inputs plus computed ids, ARNs, URLs."""
    secret_inputs: frozenset
    """Top-level input names that were secret."""
    protect: bool
    retain_on_delete: bool
    ignore_changes: tuple
    dependencies: tuple
    """URNs of explicit and implicit dependencies."""
    custom_timeouts: dict = field(default_factory=dict)
    """``create``/``update``/``delete`` custom timeouts (e.g. ``{"create": "20m"}``), when set."""


@dataclass(frozen=True)
class RecordedCall:
    """One provider function call (invoke) and the mock's answer."""

    token: str
    args: dict
    result: dict


@dataclass
class StackRun:
    """What a mock run of the stack program produced."""

    stack: str
    region: str
    config: dict
    """The config values fed to the program (``namespace:key`` -> plain value)."""
    settings: Settings
    resources: list[RecordedResource]
    outputs: dict
    """Stack outputs, resolved to plain values."""
    calls: list[RecordedCall] = field(default_factory=list)
    output_registrations: list[str] = field(default_factory=list)
    """URNs of components that called ``register_outputs``, once per call (the root stack too)."""

    def of_type(self, type_token: str) -> list[RecordedResource]:
        """Resources of one type token, in registration order."""
        return [r for r in self.resources if r.type == type_token]

    def one(self, type_token: str, name: str | None = None) -> RecordedResource:
        """The single resource of a type (optionally with a logical name); fails otherwise."""
        found = [r for r in self.of_type(type_token) if name is None or r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one {type_token} {name or ''}, found {[r.name for r in found]}")
        return found[0]

    def named(self, name: str) -> RecordedResource:
        """The resource with a logical name (names are unique in this program)."""
        found = [r for r in self.resources if r.name == name]
        if len(found) != 1:
            raise LookupError(f"expected one resource named {name}, found {len(found)}")
        return found[0]

    def by_urn(self, urn: str) -> RecordedResource:
        return next(r for r in self.resources if r.urn == urn)

    def children_of(self, parent: RecordedResource | str) -> list[RecordedResource]:
        urn = parent if isinstance(parent, str) else parent.urn
        return [r for r in self.resources if r.parent == urn]

    def task_definition(self, service: str) -> RecordedResource:
        """The task definition of a service (``api`` or ``worker``: family ``<prefix>-<service>``)."""
        found = [t for t in self.of_type("aws:ecs/taskDefinition:TaskDefinition")
                 if str(t.inputs.get("family", "")).endswith(f"-{service}")]
        if len(found) != 1:
            raise LookupError(f"expected one task definition for {service}, found {len(found)}")
        return found[0]

    def container_definitions(self, service: str) -> list[dict]:
        """The decoded container definitions of a service's task definition."""
        return json.loads(self.task_definition(service).inputs["containerDefinitions"])

    def container(self, service: str, name: str) -> dict:
        """One container definition (e.g. ``("api", "migrate")``)."""
        return next(c for c in self.container_definitions(service) if c["name"] == name)

    def environment(self, service: str, name: str | None = None) -> dict[str, str]:
        """A container's plain environment as a dict (default container: the service's own)."""
        return {e["name"]: e["value"] for e in self.container(service, name or service)["environment"]}

    def type_counts(self, custom_only: bool = False) -> dict[str, int]:
        """How many resources of each type token."""
        counts: dict[str, int] = {}
        for r in self.resources:
            if custom_only and not r.custom:
                continue
            counts[r.type] = counts.get(r.type, 0) + 1
        return dict(sorted(counts.items()))



@dataclass
class ProgramRun:
    """What a mock run of an arbitrary program function produced (see :func:`run_program`)."""

    resources: list[RecordedResource]
    result: Any
    """The program's return value with Outputs resolved to plain values."""
    calls: list[RecordedCall] = field(default_factory=list)
    output_registrations: list[str] = field(default_factory=list)

    of_type = StackRun.of_type
    one = StackRun.one
    named = StackRun.named
    children_of = StackRun.children_of
    type_counts = StackRun.type_counts



def resources_of(runs: Iterable[StackRun], type_token: str) -> list[tuple[str, RecordedResource]]:
    """``(stack, resource)`` pairs of one type across several runs."""
    return [(run.stack, r) for run in runs for r in run.of_type(type_token)]
