"""Argument validation shared by the components (CDK style: name the argument, the rule, the fix)."""

from __future__ import annotations

from typing import Any


class ComponentArgsError(ValueError):
    """A component was given arguments that break one of its rules."""


def check(ok: bool, component: str, argument: str, value: Any, rule: str, fix: str) -> None:
    """Raise :class:`ComponentArgsError` unless ``ok``:
    ``"QueueArgs.visibility_timeout_seconds (300) must be >= ...; fix: ..."``."""
    if not ok:
        raise ComponentArgsError(f"{component}.{argument} ({value!r}) {rule}; fix: {fix}")


def child_name(parent: str, role: str) -> str:
    """Logical name of a component's child: ``<parent>-<role>``."""
    return f"{parent}-{role}"
