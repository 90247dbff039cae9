"""Rewriting the mock run's ARNs to the emulator's.

``proof.mockrun`` answers with ARNs in account ``123456789012`` and the stack's region, the
same account moto uses by default, and the rehearsal creates every resource under the physical
name the mock gave it; so most ARNs are already the emulator's. Some are not: Secrets Manager
appends its own random suffix to a secret's ARN. :class:`ArnMap` records each such pair when the
resource is created and rewrites every later input (policy documents, container definitions)
before it is sent.
"""

from __future__ import annotations

from typing import Any


class ArnMap:
    """mock ARN -> emulator ARN, applied to strings anywhere in a JSON-like value."""

    def __init__(self, mock_account: str, real_account: str):
        self._pairs: dict[str, str] = {}
        self.mock_account = mock_account
        self.real_account = real_account

    def add(self, mock: str, real: str) -> None:
        """Record that the resource the mock called ``mock`` is ``real`` in the emulator."""
        if mock and real:
            self._pairs[mock] = real

    def lookup(self, mock: str) -> str | None:
        """The emulator's ARN of a resource created from the mock's ``mock``, if any."""
        return self._pairs.get(mock)

    def changed(self) -> dict[str, str]:
        """The pairs that differ (what :meth:`rewrite` actually changes)."""
        return {k: v for k, v in self._pairs.items() if k != v}

    def rewrite(self, value: Any) -> Any:
        """``value`` with every recorded mock ARN replaced (longest first), and the mock
        account replaced when the emulator's differs."""
        if isinstance(value, str):
            changed = self.changed()
            for mock in sorted(changed, key=len, reverse=True):
                if mock in value:
                    value = value.replace(mock, changed[mock])
            if self.mock_account != self.real_account:
                value = value.replace(f":{self.mock_account}:", f":{self.real_account}:")
            return value
        if isinstance(value, dict):
            return {k: self.rewrite(v) for k, v in value.items()}
        if isinstance(value, list):
            return [self.rewrite(v) for v in value]
        return value
