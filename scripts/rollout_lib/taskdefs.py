"""The next task definition from the current one: same everything, new image. Pure functions."""

from __future__ import annotations

import copy
from collections.abc import Collection, Iterable

from .image_ref import ImageRef, repository_of

# DescribeTaskDefinition returns these; RegisterTaskDefinition does not accept them.
READ_ONLY_FIELDS = (
    "taskDefinitionArn",
    "revision",
    "status",
    "requiresAttributes",
    "compatibilities",
    "registeredAt",
    "registeredBy",
    "deregisteredAt",
)

# ECS runtimePlatform.cpuArchitecture -> the Docker architecture of an image that runs there.
ARCHITECTURES = {"X86_64": "amd64", "ARM64": "arm64"}


class TaskDefinitionError(ValueError):
    """The current task definition cannot be rolled forward as asked; the message says why."""


def containers_to_update(task_definition: dict, image: ImageRef, names: Iterable[str] = ()) -> list[str]:
    """Names of the containers whose image changes.

    By default, every container that runs an image of the new image's repository (the app's
    containers, e.g. api + migrate), never sidecars from elsewhere. ``names`` picks them explicitly.
    """
    containers = task_definition["containerDefinitions"]
    wanted = list(names)
    if wanted:
        known = {c["name"] for c in containers}
        unknown = [n for n in wanted if n not in known]
        if unknown:
            raise TaskDefinitionError(
                f"task definition {task_definition.get('family')} has no container named {', '.join(unknown)} "
                f"(it has {', '.join(sorted(known))})"
            )
        return wanted
    chosen = [c["name"] for c in containers if repository_of(c["image"]) == image.repository]
    if not chosen:
        images = ", ".join(f"{c['name']}={c['image']}" for c in containers)
        raise TaskDefinitionError(
            f"no container of task definition {task_definition.get('family')} runs an image from "
            f"{image.repository} ({images}); pass --container NAME to choose them"
        )
    return chosen


def registration_request(
    task_definition: dict,
    image: ImageRef,
    *,
    tags: list[dict] | None = None,
    containers: Iterable[str] = (),
    accepted_fields: Collection[str] | None = None,
) -> tuple[dict, list[str]]:
    """RegisterTaskDefinition arguments for the same task definition with the new image.

    Returns (request, dropped): read-only fields are removed; with ``accepted_fields`` (the
    operation's input members from botocore), any other field RegisterTaskDefinition would reject
    is removed too and reported in ``dropped``. Only ``image`` of the chosen containers changes.
    """
    chosen = set(containers_to_update(task_definition, image, containers))
    request = {k: copy.deepcopy(v) for k, v in task_definition.items() if k not in READ_ONLY_FIELDS}
    dropped: list[str] = []
    if accepted_fields is not None:
        dropped = sorted(k for k in request if k not in accepted_fields)
        for key in dropped:
            del request[key]
    for container in request["containerDefinitions"]:
        if container["name"] in chosen:
            container["image"] = str(image)
    if tags:
        request["tags"] = copy.deepcopy(tags)
    return request, dropped


def architecture(task_definition: dict) -> str:
    """Docker architecture the task runs on (Fargate defaults to X86_64)."""
    cpu = (task_definition.get("runtimePlatform") or {}).get("cpuArchitecture") or "X86_64"
    return ARCHITECTURES.get(cpu, cpu.lower())
