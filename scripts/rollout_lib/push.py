"""Push a local image to ECR with the docker CLI and return its digest reference."""

from __future__ import annotations

import base64
import subprocess
from collections.abc import Callable
from datetime import UTC, datetime

from .image_ref import ImageRef, parse_image_ref, repository_of

Runner = Callable[..., subprocess.CompletedProcess]


class PushError(RuntimeError):
    """The image could not be pushed; the message says which step failed."""


def default_tag(now: datetime | None = None) -> str:
    """A fresh tag per push (ECR repositories may have immutable tags; CI uses the commit SHA)."""
    return f"rollout-{(now or datetime.now(UTC)):%Y%m%d%H%M%S}"


def _run(run: Runner, args: list[str], **kwargs) -> subprocess.CompletedProcess:
    try:
        return run(args, check=True, text=True, **kwargs)
    except FileNotFoundError as error:
        raise PushError("docker is not installed or not on PATH (needed by --push)") from error
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or "").strip()
        raise PushError(f"`{' '.join(args[:3])}` failed (exit {error.returncode}){': ' + detail if detail else ''}") from error


def image_platform(local_image: str, *, run: Runner = subprocess.run) -> str:
    """``os/architecture`` of a local image, e.g. ``linux/amd64``."""
    result = _run(run, ["docker", "image", "inspect", "--format", "{{.Os}}/{{.Architecture}}", local_image], capture_output=True)
    return result.stdout.strip()


def push_image(local_image: str, repository_uri: str, tag: str, *, ecr, run: Runner = subprocess.run) -> ImageRef:
    """Tag ``local_image`` as ``repository_uri:tag``, push it, and return ``repository_uri@digest``."""
    repository_uri = repository_of(repository_uri)
    registry, _, repository_name = repository_uri.partition("/")
    if not repository_name or ".dkr.ecr." not in registry:
        raise PushError(f"{repository_uri!r} is not an ECR repository URI (<account>.dkr.ecr.<region>.amazonaws.com/<name>)")

    auth = ecr.get_authorization_token()["authorizationData"][0]
    username, _, password = base64.b64decode(auth["authorizationToken"]).decode().partition(":")
    _run(run, ["docker", "login", "--username", username, "--password-stdin", registry], input=password, capture_output=True)
    target = f"{repository_uri}:{tag}"
    _run(run, ["docker", "tag", local_image, target])
    _run(run, ["docker", "push", target])

    images = ecr.describe_images(repositoryName=repository_name, imageIds=[{"imageTag": tag}])["imageDetails"]
    if not images:
        raise PushError(f"pushed {target} but ECR does not list it")
    return parse_image_ref(f"{repository_uri}@{images[0]['imageDigest']}")
