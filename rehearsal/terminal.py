"""Run a command on a pseudo-terminal: what an operator at a shell sees.

`create_api_token` prints a token only to a terminal (never to a pipe or a log); the
rehearsal plays that operator.
"""

import os
import pty
import re
import select
import subprocess
import time
from pathlib import Path

#: a line of the terminal that is a token (DRF's keys: 40 hex digits; a terminal ends lines with \r\n)
TOKEN_LINE = re.compile(r"^([0-9a-f]{40})\r*$", re.MULTILINE)
#: colours a terminal gets (Django styles stderr when it is one)
TERMINAL_STYLE = re.compile(r"\x1b\[[0-9;]*m")


def token_shown(shown: str) -> str | None:
    """The last token a terminal showed (it also shows other lines, styled); None if none."""
    tokens = TOKEN_LINE.findall(TERMINAL_STYLE.sub("", shown))
    return tokens[-1] if tokens else None


def run_on_terminal(args: list[str], *, cwd: Path, env: dict[str, str], timeout: float) -> tuple[int, str]:
    """(exit code, everything the command wrote to its terminal); TimeoutError after `timeout` s."""
    terminal, command_side = pty.openpty()
    process = subprocess.Popen(
        args, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=command_side, stderr=command_side
    )
    os.close(command_side)
    shown = bytearray()
    deadline = time.monotonic() + timeout
    try:
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                process.kill()
                raise TimeoutError(f"{' '.join(args)} did not end within {timeout:g} s")
            ready, _, _ = select.select([terminal], [], [], min(remaining, 1.0))
            if ready:
                try:
                    data = os.read(terminal, 4096)
                except OSError:  # EIO: the command's side is closed
                    data = b""
                if not data:
                    break
                shown += data
        return process.wait(timeout=max(1.0, deadline - time.monotonic())), shown.decode(errors="replace")
    finally:
        os.close(terminal)
