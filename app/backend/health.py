"""Container health checks: `python -m backend.health worker`.

Exits 0 when the worker's heartbeat file (CELERY_WORKER_HEARTBEAT_FILE) was touched within
CELERY_WORKER_HEARTBEAT_MAX_AGE seconds, else 1 with a one-line reason. Does not load Django,
so it stays cheap when ECS runs it every 30 s.
"""

import sys
import time
from pathlib import Path

from backend.env import Env

DEFAULT_HEARTBEAT_FILE = "/tmp/celery-worker-heartbeat"
DEFAULT_HEARTBEAT_MAX_AGE = 60.0  # seconds

HEARTBEAT_MISSING = "unhealthy: heartbeat file {path} is missing (worker not consuming)"
HEARTBEAT_STALE = "unhealthy: heartbeat file {path} is {age:.0f} s old (max {max_age:.0f} s)"
HEARTBEAT_FRESH = "healthy: heartbeat file {path} is {age:.0f} s old"
USAGE = "usage: python -m backend.health worker"


def worker_heartbeat_check(*, path: Path, max_age: float, now: float | None = None) -> tuple[bool, str]:
    """Return (healthy, one-line reason) for the heartbeat file at `path`."""
    now = time.time() if now is None else now
    try:
        age = now - path.stat().st_mtime
    except FileNotFoundError:
        return False, HEARTBEAT_MISSING.format(path=path)
    if age > max_age:
        return False, HEARTBEAT_STALE.format(path=path, age=age, max_age=max_age)
    return True, HEARTBEAT_FRESH.format(path=path, age=max(age, 0.0))


def _worker(env: Env) -> int:
    path = Path(env.string("CELERY_WORKER_HEARTBEAT_FILE", default=DEFAULT_HEARTBEAT_FILE))
    max_age = env.number("CELERY_WORKER_HEARTBEAT_MAX_AGE", default=DEFAULT_HEARTBEAT_MAX_AGE, minimum=1.0)
    if env.problems:
        print(f"unhealthy: {'; '.join(env.problems)}", file=sys.stderr)
        return 1
    healthy, reason = worker_heartbeat_check(path=path, max_age=max_age)
    print(reason, file=sys.stdout if healthy else sys.stderr)
    return 0 if healthy else 1


def main(argv: list[str], *, env: Env | None = None) -> int:
    if argv != ["worker"]:
        print(USAGE, file=sys.stderr)
        return 2
    return _worker(env or Env())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
