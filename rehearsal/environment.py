"""A container's process environment: the task definition's, plus only the local overrides.

What a container gets in ECS is its ``environment`` block and its ``secrets`` (read by the
agent with the execution role). The rehearsal gives a local process exactly that, and changes
only what cannot be the same on one machine; each change is an :class:`Override` that names the
variable, the task definition's value and why. A variable the task definition lacks is only
added when ECS itself would provide the equivalent (the task role's credentials) or when it
points the process at the emulator.
"""

from __future__ import annotations

import os
import sys
from dataclasses import dataclass
from pathlib import Path

from rehearsal.database import VERIFYING_SSL_MODES, LocalDatabase
from rehearsal.emulator import Credentials

#: What the image's Dockerfile sets (ENV) besides PATH; not overrides.
IMAGE_ENVIRONMENT = {"PYTHONUNBUFFERED": "1", "PYTHONDONTWRITEBYTECODE": "1"}

_REDACTED = ("AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN")


@dataclass(frozen=True)
class Override:
    name: str
    value: str
    recorded: str | None
    """The task definition's value (None: the task definition does not set it)."""
    reason: str

    def line(self) -> str:
        value = "<redacted>" if self.name in _REDACTED else self.value
        was = "not set" if self.recorded is None else repr(self.recorded)
        return f"{self.name}={value}  (task definition: {was}; {self.reason})"


def plain_environment(container: dict) -> dict[str, str]:
    return {e["name"]: e["value"] for e in container.get("environment", [])}


def local_overrides(
    container: dict, *, database: LocalDatabase, endpoint_url: str, credentials: Credentials,
    heartbeat_dir: Path, task: str, local_port: int | None,
) -> list[Override]:
    """The changes a local process of ``container`` needs, each with its reason."""
    env = plain_environment(container)
    out: list[Override] = []
    if "DB_HOST" in env:
        out.append(Override("DB_HOST", database.host, env["DB_HOST"],
                            "the local PostgreSQL stands in for the database"))
        out.append(Override("DB_PORT", str(database.port), env.get("DB_PORT"), "the local PostgreSQL's port"))
    ssl_mode = env.get("DB_SSLMODE")
    if ssl_mode in VERIFYING_SSL_MODES:
        out.append(Override("DB_SSLMODE", "require", ssl_mode, "the local server's certificate is self-signed"))
    elif ssl_mode == "require" and not database.ssl:
        out.append(Override("DB_SSLMODE", "prefer", ssl_mode, "TLS could not be enabled on the local PostgreSQL"))
    if "CELERY_WORKER_HEARTBEAT_FILE" in env:
        path = heartbeat_dir / f"{task}-heartbeat"
        out.append(Override("CELERY_WORKER_HEARTBEAT_FILE", str(path), env["CELERY_WORKER_HEARTBEAT_FILE"],
                            "each task has its own /tmp; local processes share one"))
    if local_port is not None:
        ports = [m["containerPort"] for m in container.get("portMappings", [])]
        out.append(Override("GUNICORN_CMD_ARGS", f"--bind 127.0.0.1:{local_port}", env.get("GUNICORN_CMD_ARGS"),
                            f"containerPort {ports[0] if ports else '?'} is served on 127.0.0.1:{local_port}"))
    out.append(Override("AWS_ENDPOINT_URL_SQS", endpoint_url, env.get("AWS_ENDPOINT_URL_SQS"),
                        "SQS calls go to the emulator"))
    out.append(Override("AWS_ENDPOINT_URL", endpoint_url, env.get("AWS_ENDPOINT_URL"),
                        "any other AWS call goes to the emulator too"))
    role = credentials.principal_arn.split("/")[1] if "/" in credentials.principal_arn else "the task role"
    for name, value in credentials.environment().items():
        out.append(Override(name, value, env.get(name),
                            f"credentials of {role} (ECS serves them from its credentials endpoint)"))
    return out


def process_environment(container: dict, *, secrets: dict[str, str], overrides: list[Override]) -> dict[str, str]:
    """Exactly what the local process gets: image ENV, PATH, hermetic AWS config, the task
    definition's environment and secrets, then the overrides."""
    venv_bin = str(Path(sys.executable).parent)
    env = {
        "PATH": f"{venv_bin}:{os.environ.get('PATH', '/usr/bin:/bin')}",
        "LANG": "C.UTF-8",
        **IMAGE_ENVIRONMENT,
        # nothing from this machine's AWS setup may leak in
        "AWS_CONFIG_FILE": "/nonexistent/aws-config",
        "AWS_SHARED_CREDENTIALS_FILE": "/nonexistent/aws-credentials",
        "AWS_EC2_METADATA_DISABLED": "true",
    }
    env.update(plain_environment(container))
    env.update(secrets)
    env.update({o.name: o.value for o in overrides})
    return env
