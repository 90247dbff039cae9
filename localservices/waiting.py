"""Polling with a deadline instead of fixed sleeps."""

import time
from collections.abc import Callable
from typing import TypeVar

T = TypeVar("T")


class WaitTimeout(AssertionError):
    pass


def wait_until(
    probe: Callable[[], T], *, timeout: float, interval: float = 0.1, message: str | Callable[[], str] = "condition"
) -> T:
    """Call `probe` until it returns something truthy; return that, or raise WaitTimeout."""
    deadline = time.monotonic() + timeout
    while True:
        result = probe()
        if result:
            return result
        if time.monotonic() >= deadline:
            text = message() if callable(message) else message
            raise WaitTimeout(f"timed out after {timeout:g} s waiting for {text}")
        time.sleep(interval)
