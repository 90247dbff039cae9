"""What Linux's /proc tells of a benchmark's processes: children, and fields of their status (KiB)."""

from pathlib import Path


def child_pids(pid: int) -> list[int]:
    """The process's direct children (its main thread's), or [] where /proc cannot tell."""
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def status_kib(pid: int, field: str) -> int | None:
    """A KiB field of /proc/<pid>/status (VmRSS, VmHWM...), or None."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(f"{field}:"):
                return int(line.split()[1])
    except OSError:
        return None
    return None
