"""A broken rule (setting, value, rule, fix) and the one error listing every broken rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Violation:
    """One broken rule: which setting, its value, the rule, and how to fix it."""

    setting: str
    value: Any
    rule: str
    fix: str

    def __str__(self) -> str:
        return f"{self.setting} = {self.value!r}: {self.rule}; fix: {self.fix}"


class SettingsError(ValueError):
    """Stack config that breaks one or more rules; ``violations`` lists every one."""

    def __init__(self, stack: str, violations: list[Violation]):
        self.stack = stack
        self.violations = list(violations)
        lines = [f"invalid configuration for stack '{stack}' ({len(violations)} problem(s)):"]
        lines += [f"  - {v}" for v in violations]
        super().__init__("\n".join(lines))
