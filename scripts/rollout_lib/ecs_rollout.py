"""Roll both ECS services to one image: register, update, wait. boto3 in, results out."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

from .deployment_check import stopped_task_problems
from .image_ref import ImageRef
from .taskdefs import registration_request


class RolloutError(RuntimeError):
    """The rollout could not complete; the message says where it stopped and what state is left."""


@dataclass(frozen=True)
class ServicePlan:
    service: str
    current_task_definition: str
    containers: list[str]
    previous_image: str
    request: dict
    dropped_fields: list[str]


@dataclass(frozen=True)
class ServiceRollout:
    service: str
    previous_task_definition: str
    task_definition: str


def describe_services(ecs, cluster: str, services: Sequence[str]) -> list[dict]:
    response = ecs.describe_services(cluster=cluster, services=list(services))
    if response.get("failures"):
        missing = ", ".join(f"{f.get('arn')} ({f.get('reason')})" for f in response["failures"])
        raise RolloutError(f"cluster {cluster}: cannot find services {missing}")
    found = {s["serviceName"]: s for s in response["services"]}
    inactive = [name for name, s in found.items() if s.get("status") != "ACTIVE"]
    if inactive:
        raise RolloutError(f"cluster {cluster}: services {', '.join(inactive)} are not ACTIVE")
    return [found[name.rsplit("/", 1)[-1]] for name in services]


def plan(ecs, cluster: str, services: Sequence[str], image: ImageRef, containers: Iterable[str] = ()) -> list[ServicePlan]:
    """What each service's next task definition is (nothing is changed)."""
    accepted = set(ecs.meta.service_model.operation_model("RegisterTaskDefinition").input_shape.members)
    plans = []
    for service in describe_services(ecs, cluster, services):
        described = ecs.describe_task_definition(taskDefinition=service["taskDefinition"], include=["TAGS"])
        task_definition = described["taskDefinition"]
        request, dropped = registration_request(
            task_definition, image, tags=described.get("tags"), containers=containers, accepted_fields=accepted
        )
        old_images = {c["name"]: c["image"] for c in task_definition["containerDefinitions"]}
        changed = [c["name"] for c in request["containerDefinitions"] if c["image"] != old_images[c["name"]]]
        previous = old_images[changed[0]] if changed else str(image)
        plans.append(ServicePlan(service["serviceName"], service["taskDefinition"], changed, previous, request, dropped))
    return plans


def apply(ecs, cluster: str, plans: Sequence[ServicePlan]) -> list[ServiceRollout]:
    """Register every new task definition first, then point every service at its new one.

    All or nothing as far as the API allows: if a registration fails, the ones already made are
    deregistered; if an update fails, services already updated are put back on their previous task
    definition, so the services never end on different images because of this script.
    """
    registered: list[tuple[ServicePlan, str]] = []
    try:
        for service_plan in plans:
            arn = ecs.register_task_definition(**service_plan.request)["taskDefinition"]["taskDefinitionArn"]
            registered.append((service_plan, arn))
    except Exception as error:
        for _, arn in registered:
            ecs.deregister_task_definition(taskDefinition=arn)
        raise RolloutError(f"registering the new task definitions failed; nothing was deployed: {error}") from error

    done: list[ServiceRollout] = []
    try:
        for service_plan, arn in registered:
            ecs.update_service(cluster=cluster, service=service_plan.service, taskDefinition=arn)
            done.append(ServiceRollout(service_plan.service, service_plan.current_task_definition, arn))
    except Exception as error:
        for rollout in done:
            ecs.update_service(cluster=cluster, service=rollout.service, taskDefinition=rollout.previous_task_definition)
        reverted = ", ".join(r.service for r in done) or "none"
        raise RolloutError(f"updating the services failed ({error}); services put back on their previous task definition: {reverted}") from error
    return done


def wait_until_stable(
    ecs,
    cluster: str,
    rollouts: Sequence[ServiceRollout],
    *,
    timeout: float,
    poll: float = 15.0,
    sleep: Callable[[float], None] = time.sleep,
    clock: Callable[[], float] = time.monotonic,
    report: Callable[[str], None] = lambda _message: None,
) -> None:
    """Until every service runs only its new task definition with runningCount == desiredCount.

    Fails fast when ECS marks the new deployment FAILED (deployment circuit breaker).
    """
    expected = {r.service: r.task_definition for r in rollouts}
    deadline = clock() + timeout
    while True:
        pending = []
        for service in describe_services(ecs, cluster, list(expected)):
            name = service["serviceName"]
            deployments = service.get("deployments", [])
            for deployment in deployments:
                if deployment.get("taskDefinition") == expected[name] and deployment.get("rolloutState") == "FAILED":
                    why = "; ".join(stopped_task_problems(ecs, cluster, name, expected[name]))
                    raise RolloutError(
                        f"service {name}: the deployment of {expected[name]} failed: "
                        f"{deployment.get('rolloutStateReason', 'no reason given')}" + (f"; {why}" if why else "")
                    )
            stable = (
                service.get("taskDefinition") == expected[name]
                and len(deployments) <= 1
                and service.get("runningCount") == service.get("desiredCount")
            )
            if not stable:
                pending.append(
                    f"{name} (running {service.get('runningCount')}/{service.get('desiredCount')}, "
                    f"{len(deployments)} deployments)"
                )
        if not pending:
            return
        if clock() >= deadline:
            raise RolloutError(f"not stable after {timeout:.0f} s: {'; '.join(pending)}")
        report(f"waiting for {'; '.join(pending)}")
        sleep(poll)
