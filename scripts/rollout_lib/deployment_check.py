"""After a deployment: does each service run what was deployed, and if not, which container failed?

    problems = deployment_problems(ecs, "healthkit-dev", ["api", "worker"], image="<repo>@sha256:...")

For each service (DescribeServices): its PRIMARY deployment must be COMPLETED (not FAILED, not still
IN_PROGRESS), run ``desiredCount`` tasks, and run a task definition whose app containers use
``image`` (a circuit-breaker rollback leaves the service steady on the previous image, which is a
failed release). When it is not, the service's stopped tasks of that deployment (ListTasks +
DescribeTasks) name the container: its exit code and reason, the task's stoppedReason, and an
unhealthy health check. One line per problem, each starting ``service <name>:``.

Used by ``scripts/deployment-check`` (the release workflow runs it after every ``pulumi up``) and
by ``scripts/rollout`` when ECS marks a deployment FAILED.
"""

from __future__ import annotations

from collections.abc import Sequence

#: How many stopped tasks are read per service (the newest first, as ListTasks returns them).
STOPPED_TASKS_READ = 10


def _primary(service: dict) -> dict:
    return next((d for d in service.get("deployments", []) if d.get("status") == "PRIMARY"), {})


def _container_lines(task: dict) -> list[str]:
    """What stopped one task: each container that exited non-zero or is unhealthy, else the task's reason."""
    lines = []
    essential_exit = "Essential container in task exited" in str(task.get("stoppedReason", ""))
    for container in task.get("containers", []):
        name = container.get("name", "?")
        code = container.get("exitCode")
        reason = container.get("reason")
        if container.get("healthStatus") == "UNHEALTHY":
            lines.append(f"container {name} failed its health check")
        if code not in (None, 0):
            lines.append(f"container {name} exited with code {code}" + (f" ({reason})" if reason else ""))
        elif reason and code is None:
            lines.append(f"container {name} did not start: {reason}")
    if not lines or not essential_exit:
        stopped = task.get("stoppedReason") or task.get("stopCode") or "no reason given"
        lines.append(f"task stopped: {stopped}")
    return lines


def stopped_task_problems(ecs, cluster: str, service: str, task_definition: str) -> list[str]:
    """Why the service's stopped tasks of ``task_definition`` stopped (distinct lines, newest first)."""
    arns = ecs.list_tasks(cluster=cluster, serviceName=service, desiredStatus="STOPPED",
                          maxResults=STOPPED_TASKS_READ).get("taskArns", [])
    if not arns:
        return []
    tasks = ecs.describe_tasks(cluster=cluster, tasks=arns).get("tasks", [])
    lines: list[str] = []
    for task in tasks:
        if task_definition and task.get("taskDefinitionArn") != task_definition:
            continue
        for line in _container_lines(task):
            if line not in lines:
                lines.append(line)
    return lines


def _runs_image(ecs, task_definition: str, image: str) -> bool:
    described = ecs.describe_task_definition(taskDefinition=task_definition)["taskDefinition"]
    return any(c.get("image") == image for c in described.get("containerDefinitions", []))


def service_problems(ecs, cluster: str, service: dict, image: str | None = None) -> list[str]:
    """What is wrong with one described service (empty: it runs what was deployed, steady)."""
    name = service.get("serviceName", "?")
    primary = _primary(service)
    task_definition = primary.get("taskDefinition") or service.get("taskDefinition", "")
    state = primary.get("rolloutState")
    problems = []
    if state == "FAILED":
        problems.append(f"deployment of {task_definition} FAILED: {primary.get('rolloutStateReason', 'no reason given')}")
    elif state == "IN_PROGRESS" or len(service.get("deployments", [])) > 1:
        problems.append(f"deployment of {task_definition} is still in progress "
                        f"({primary.get('runningCount', 0)}/{primary.get('desiredCount', 0)} tasks running)")
    if service.get("runningCount") != service.get("desiredCount"):
        problems.append(f"{service.get('runningCount')} of {service.get('desiredCount')} tasks running")
    if image and task_definition and not _runs_image(ecs, task_definition, image):
        problems.append(f"runs {task_definition}, which is not image {image} (rolled back?)")
    if state == "FAILED" or service.get("runningCount") != service.get("desiredCount"):
        problems += stopped_task_problems(ecs, cluster, name, task_definition)
    return [f"service {name}: {p}" for p in problems]


def deployment_problems(ecs, cluster: str, services: Sequence[str], *, image: str | None = None) -> list[str]:
    """Every problem of every service, one line each (empty: the deployment succeeded)."""
    response = ecs.describe_services(cluster=cluster, services=list(services))
    problems = [f"service {f.get('arn', '?').rsplit('/', 1)[-1]}: not found in cluster {cluster} ({f.get('reason')})"
                for f in response.get("failures", [])]
    for service in response.get("services", []):
        if service.get("status") != "ACTIVE":
            problems.append(f"service {service.get('serviceName')}: is {service.get('status')}, not ACTIVE")
            continue
        problems += service_problems(ecs, cluster, service, image)
    return problems
