"""Typed reads of environment variables that report every problem at once.

Settings read each variable through one `Env`; a missing required variable or a value
that does not parse is recorded instead of raised, and `Env.check()` raises ONE
`ImproperlyConfigured` naming all of them, so a deploy learns every gap in one attempt.
"""

from collections.abc import Callable, Iterable

import decouple
from django.core.exceptions import ImproperlyConfigured

MISSING_VARIABLES = "missing required environment variables: {names}"
INVALID_VARIABLE = "{name}={value!r} is not {expected}"
CONFIGURATION_INVALID = "configuration error (DJANGO_ENV={django_env}): {problems}"

Source = Callable[[str], str | None]


def _decouple_source(name: str) -> str | None:
    """The process environment first, then a `.env`/`settings.ini` found by python-decouple."""
    return decouple.config(name, default=None)


class Env:
    """Reads variables from `source`, collecting missing and invalid ones for `check()`."""

    def __init__(self, *, source: Source | None = None) -> None:
        self._source = source or _decouple_source
        self.missing: list[str] = []
        self.problems: list[str] = []

    def _raw(self, name: str) -> str | None:
        value = self._source(name)
        if value is None:
            return None
        value = str(value).strip()
        return value or None

    def _absent(self, name: str, *, required: bool) -> None:
        if required and name not in self.missing:
            self.missing.append(name)

    def string(self, name: str, *, default: str = "", required: bool = False) -> str:
        """A string; empty counts as unset."""
        value = self._raw(name)
        if value is None:
            self._absent(name, required=required)
            return default
        return value

    def csv(self, name: str, *, default: Iterable[str] = (), required: bool = False) -> list[str]:
        """A comma-separated list of non-empty items."""
        value = self._raw(name)
        items = [item.strip() for item in value.split(",")] if value else []
        items = [item for item in items if item]
        if not items:
            self._absent(name, required=required)
            return list(default)
        return items

    def choice(self, name: str, *, default: str, choices: Iterable[str]) -> str:
        """One of `choices`."""
        choices = tuple(choices)
        value = self._raw(name)
        if value is None:
            return default
        if value not in choices:
            self.invalid(INVALID_VARIABLE.format(name=name, value=value, expected=f"one of {', '.join(choices)}"))
            return default
        return value

    def integer(self, name: str, *, default: int, minimum: int | None = None) -> int:
        """A whole number, at least `minimum` when given."""
        return self._number(name, default=default, minimum=minimum, parse=int, kind="an integer")

    def number(self, name: str, *, default: float, minimum: float | None = None) -> float:
        """A decimal number, at least `minimum` when given."""
        return self._number(name, default=default, minimum=minimum, parse=float, kind="a number")

    def _number(self, name, *, default, minimum, parse, kind):
        value = self._raw(name)
        if value is None:
            return default
        expected = kind if minimum is None else f"{kind} >= {minimum}"
        try:
            parsed = parse(value)
        except ValueError:
            self.invalid(INVALID_VARIABLE.format(name=name, value=value, expected=expected))
            return default
        if parsed != parsed or (minimum is not None and parsed < minimum):  # NaN or too small
            self.invalid(INVALID_VARIABLE.format(name=name, value=value, expected=expected))
            return default
        return parsed

    def invalid(self, problem: str) -> None:
        """Record a problem that involves more than one variable (or a bad value)."""
        self.problems.append(problem)

    def check(self, *, django_env: str) -> None:
        """Raise ONE ImproperlyConfigured naming every missing variable and every problem."""
        problems = []
        if self.missing:
            problems.append(MISSING_VARIABLES.format(names=", ".join(self.missing)))
        problems.extend(self.problems)
        if problems:
            raise ImproperlyConfigured(
                CONFIGURATION_INVALID.format(django_env=django_env, problems="; ".join(problems))
            )
