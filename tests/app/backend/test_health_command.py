"""`python -m backend.health worker`, run as the ECS health check runs it."""

import os
import re
import sys
import time

import pytest
from backend.health import HEARTBEAT_MISSING, worker_heartbeat_check

from localservices.environment import process_environment
from localservices.processes import run_app_command


def _check(heartbeat_file, *args, max_age="60"):
    env = process_environment(
        {"CELERY_WORKER_HEARTBEAT_FILE": str(heartbeat_file), "CELERY_WORKER_HEARTBEAT_MAX_AGE": max_age}
    )
    return run_app_command([sys.executable, "-m", "backend.health", *(args or ("worker",))], env=env)


def test_a_fresh_heartbeat_is_healthy(tmp_path):
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    result = _check(heartbeat)
    assert result.returncode == 0
    assert result.stdout.startswith("healthy:")


def test_a_stale_heartbeat_is_unhealthy_with_a_one_line_reason(tmp_path):
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    old = time.time() - 120
    os.utime(heartbeat, (old, old))
    result = _check(heartbeat)
    seconds_to_start = time.time() - old - 120  # the check's own start-up ages the file further
    assert result.returncode == 1
    reported = re.fullmatch(rf"unhealthy: heartbeat file {re.escape(str(heartbeat))} is (\d+) s old \(max 60 s\)",
                            result.stderr.strip())
    assert reported, result.stderr
    assert 120 <= int(reported[1]) <= 120 + round(seconds_to_start)


def test_a_missing_heartbeat_is_unhealthy(tmp_path):
    result = _check(tmp_path / "never-written")
    assert result.returncode == 1
    assert result.stderr.strip() == HEARTBEAT_MISSING.format(path=tmp_path / "never-written")


def test_an_invalid_max_age_is_unhealthy(tmp_path):
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    result = _check(heartbeat, max_age="soon")
    assert result.returncode == 1
    assert "CELERY_WORKER_HEARTBEAT_MAX_AGE='soon'" in result.stderr


def test_an_unknown_role_is_a_usage_error(tmp_path):
    assert _check(tmp_path / "x", "api").returncode == 2


@pytest.mark.parametrize(("age", "healthy"), [(59.0, True), (61.0, False)])
def test_the_max_age_is_the_limit(tmp_path, age, healthy):
    heartbeat = tmp_path / "heartbeat"
    heartbeat.touch()
    now = heartbeat.stat().st_mtime + age
    assert worker_heartbeat_check(path=heartbeat, max_age=60, now=now)[0] is healthy
