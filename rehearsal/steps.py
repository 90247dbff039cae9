"""Named steps: each is timed and printed; the first that fails stops the rehearsal.

A step fails by raising :class:`StepFailed` with a one-line cause (and, where a process is
involved, the tail of its log); any other exception inside a step is reported the same way, so
the command always ends with ``step '<name>' failed: <cause>``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field


class StepFailed(Exception):
    """A step could not do its job; ``cause`` is one line, ``log_tail`` the evidence (optional)."""

    def __init__(self, cause: str, *, log_tail: str = "", log_name: str = ""):
        super().__init__(cause)
        self.cause = cause
        self.log_tail = log_tail
        self.log_name = log_name
        self.step = ""


class RehearsalFailed(Exception):
    """The rehearsal stopped at ``step``; ``str()`` is ``step '<step>' failed: <cause>``."""

    def __init__(self, step: str, cause: str, *, log_tail: str = "", log_name: str = "", report=None):
        super().__init__(f"step '{step}' failed: {cause}")
        self.step = step
        self.cause = cause
        self.log_tail = log_tail
        self.log_name = log_name
        self.report = report


@dataclass
class StepTiming:
    name: str
    seconds: float
    ok: bool


@dataclass
class Steps:
    """Runs steps in order, printing ``[n] name ... ok (1.2 s)`` lines through ``say``."""

    say: Callable[[str], None]
    timings: list[StepTiming] = field(default_factory=list)

    @contextmanager
    def step(self, name: str) -> Iterator[None]:
        self.say(f"==> {name}")
        started = time.monotonic()
        try:
            yield
        except StepFailed as failure:
            self.timings.append(StepTiming(name, time.monotonic() - started, False))
            failure.step = name
            raise
        except Exception as error:  # anything else is a failure of this step too
            self.timings.append(StepTiming(name, time.monotonic() - started, False))
            failure = StepFailed(f"{type(error).__name__}: {_first_line(error)}")
            failure.step = name
            raise failure from error
        self.timings.append(StepTiming(name, time.monotonic() - started, True))
        self.say(f"    ok ({time.monotonic() - started:.1f} s)")


def _first_line(error: BaseException) -> str:
    """One line: the message's first line, with the lines it introduces (``...:``) appended."""
    lines = [line.strip() for line in str(error).strip().splitlines() if line.strip()]
    if not lines:
        return repr(error)
    if lines[0].endswith(":") and len(lines) > 1:
        return f"{lines[0]} {'; '.join(lines[1:6])}"
    return lines[0]


def readable(line: str, width: int = 400) -> str:
    """One log line for a human: a JSON log record as ``LEVEL logger: message | exception's
    last line``; anything longer than ``width`` cut."""
    text = line.strip()
    if text.startswith("{") and text.endswith("}"):
        try:
            record = json.loads(text)
        except ValueError:
            record = None
        if isinstance(record, dict) and "message" in record:
            text = f"{record.get('level', '')} {record.get('logger', '')}: {record['message']}".strip()
            exception = [x for x in str(record.get("exception") or "").splitlines() if x.strip()]
            if exception:
                text += f" | {exception[-1].strip()}"
    return text if len(text) <= width else text[:width] + " ..."


def tail(text: str, lines: int = 30) -> str:
    """The last ``lines`` lines of a log, each made :func:`readable`."""
    return "\n".join(readable(line) for line in text.rstrip().splitlines()[-lines:])
