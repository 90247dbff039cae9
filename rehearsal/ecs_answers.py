"""What ECS would answer about a service whose task definition ran here: the deployment check's input.

:func:`container_outcome` runs one container definition's command as ECS would start it (in
``app/``, the image's WORKDIR, with its environment and secrets) and reports whether it is still
running after ``settle`` seconds or how it exited. :func:`ecs_client_answering` returns a real boto3
ECS client whose DescribeServices / ListTasks / DescribeTasks / DescribeTaskDefinition answers are
built from those outcomes, through botocore's Stubber: every request the check makes and every
answer given is validated against botocore's ECS model. The check code itself
(``scripts/rollout_lib/deployment_check.py``) runs unchanged against it.
"""

from __future__ import annotations

import datetime
import subprocess
import sys
import uuid
from dataclasses import dataclass
from pathlib import Path

from localservices.processes import APP_DIR

ESSENTIAL_EXITED = "Essential container in task exited"


@dataclass(frozen=True)
class ContainerOutcome:
    name: str
    exit_code: int | None
    """None: still running after the settle time."""
    output: str
    essential: bool = True


def container_outcome(definition: dict, env: dict[str, str], *, settle: float = 20.0) -> ContainerOutcome:
    """Run the container's command; its exit code, or None when it still runs after ``settle`` s."""
    command = [*definition.get("entryPoint", []), *definition.get("command", [])]
    venv_bin = str(Path(sys.executable).parent)
    full_env = {"PATH": f"{venv_bin}:/usr/bin:/bin", "LANG": "C.UTF-8", **env}
    process = subprocess.Popen(command, cwd=APP_DIR, env=full_env, stdout=subprocess.PIPE,
                               stderr=subprocess.STDOUT, text=True)
    try:
        output, _ = process.communicate(timeout=settle)
        code = process.returncode
    except subprocess.TimeoutExpired:
        process.kill()
        output, _ = process.communicate()
        code = None
    return ContainerOutcome(definition["name"], code, output[-4000:], bool(definition.get("essential", True)))


def _task(cluster_arn: str, task_definition_arn: str, outcomes: list[ContainerOutcome]) -> dict:
    stopped = any(o.essential and o.exit_code is not None for o in outcomes)
    task_arn = cluster_arn.replace(":cluster/", ":task/") + "/" + uuid.uuid4().hex
    now = datetime.datetime.now(datetime.UTC)
    task = {
        "taskArn": task_arn, "clusterArn": cluster_arn, "taskDefinitionArn": task_definition_arn,
        "lastStatus": "STOPPED" if stopped else "RUNNING", "desiredStatus": "STOPPED" if stopped else "RUNNING",
        "launchType": "FARGATE", "createdAt": now,
        "containers": [{
            "name": o.name, "taskArn": task_arn, "lastStatus": "RUNNING" if o.exit_code is None else "STOPPED",
            **({"exitCode": o.exit_code} if o.exit_code is not None else {}),
        } for o in outcomes],
    }
    if stopped:
        task.update(stoppedReason=ESSENTIAL_EXITED, stopCode="EssentialContainerExited", stoppedAt=now)
    return task


def ecs_client_answering(*, region: str, cluster_arn: str, service: str, task_definition: dict,
                         outcomes: list[ContainerOutcome], desired_count: int = 1):
    """A boto3 ECS client answering the deployment check about ``service`` as ECS would, given how
    its task's containers ended. Returns (client, stubber); ``stubber.assert_no_pending_responses()``
    proves the check asked for everything it was answered."""
    import boto3
    from botocore.stub import ANY, Stubber

    client = boto3.client("ecs", region_name=region, aws_access_key_id="x", aws_secret_access_key="x")
    stubber = Stubber(client)
    task_definition_arn = task_definition["taskDefinitionArn"]
    task = _task(cluster_arn, task_definition_arn, outcomes)
    failed = task["lastStatus"] == "STOPPED"
    running = 0 if failed else desired_count
    deployment = {"id": "ecs-svc/" + uuid.uuid4().hex[:19], "status": "PRIMARY", "taskDefinition": task_definition_arn,
                  "desiredCount": desired_count, "runningCount": running, "failedTasks": 3 if failed else 0,
                  "rolloutState": "FAILED" if failed else "COMPLETED",
                  "rolloutStateReason": ("ECS deployment circuit breaker: tasks failed to start." if failed
                                         else "ECS deployment completed.")}
    stubber.add_response("describe_services", {"services": [{
        "serviceName": service, "clusterArn": cluster_arn, "status": "ACTIVE",
        "serviceArn": cluster_arn.replace(":cluster/", ":service/") + f"/{service}",
        "taskDefinition": task_definition_arn, "desiredCount": desired_count, "runningCount": running,
        "deployments": [deployment]}], "failures": []},
        {"cluster": cluster_arn.rsplit("/", 1)[-1], "services": [service]})
    stubber.add_response("describe_task_definition", {"taskDefinition": task_definition},
                         {"taskDefinition": task_definition_arn})
    if failed or not running:
        stubber.add_response("list_tasks", {"taskArns": [task["taskArn"]]},
                             {"cluster": ANY, "serviceName": service, "desiredStatus": "STOPPED", "maxResults": ANY})
        stubber.add_response("describe_tasks", {"tasks": [task], "failures": []},
                             {"cluster": ANY, "tasks": [task["taskArn"]]})
    stubber.activate()
    return client, stubber
