"""A rollout whose worker cannot start fails the deployment check, naming the service and container.

The mock run's worker task definition loses a variable it needs; its container then runs here as
ECS would start it and exits. The deployment check of the release workflow
(scripts/rollout_lib/deployment_check.py, unchanged) is driven with the ECS answers those outcomes
make, through a real boto3 client whose requests and answers botocore validates against its model.
"""

from __future__ import annotations

import io
import json
import sys

import pytest

from proof.mockrun import run_stack
from rehearsal.ecs_answers import container_outcome, ecs_client_answering
from rehearsal.mutations import container_variable_remove

sys.path.insert(0, "scripts")
from rollout_lib.check_cli import run as check_run  # noqa: E402
from rollout_lib.deployment_check import deployment_problems  # noqa: E402

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: Stand-ins for what the execution role would read from Secrets Manager (never used: the
#: container stops at its settings check).
SECRETS = {"DJANGO_SECRET_KEY": "x" * 64}


def _described(run, service: str) -> dict:
    """The task definition as DescribeTaskDefinition returns it."""
    inputs = run.task_definition(service).inputs
    return {
        "taskDefinitionArn": run.task_definition(service).outputs["arn"], "family": inputs["family"], "revision": 1,
        "containerDefinitions": json.loads(inputs["containerDefinitions"]), "cpu": inputs["cpu"],
        "memory": inputs["memory"], "networkMode": inputs["networkMode"], "status": "ACTIVE",
        "requiresCompatibilities": inputs["requiresCompatibilities"], "executionRoleArn": inputs["executionRoleArn"],
        "taskRoleArn": inputs["taskRoleArn"],
    }


def _ecs_for(run, service: str, *, settle: float):
    described = _described(run, service)
    outcomes = []
    for definition in described["containerDefinitions"]:
        env = {e["name"]: e["value"] for e in definition["environment"]} | SECRETS
        outcomes.append(container_outcome(definition, env, settle=settle))
    cluster = run.one("aws:ecs/cluster:Cluster").outputs["arn"]
    client, stubber = ecs_client_answering(region=run.region, cluster_arn=cluster, service=service,
                                           task_definition=described, outcomes=outcomes)
    return client, stubber, outcomes, described


@pytest.fixture(scope="module")
def broken_worker():
    run = run_stack("dev")
    container_variable_remove("worker", "CELERY_APPLE_HEALTH_QUEUE_URL")(run)
    return run


def test_a_worker_that_cannot_start_fails_the_check_naming_service_and_container(broken_worker):
    client, stubber, outcomes, described = _ecs_for(broken_worker, "worker", settle=60)
    (worker,) = outcomes
    assert worker.exit_code not in (None, 0), worker.output
    assert "CELERY_APPLE_HEALTH_QUEUE_URL" in worker.output  # it failed for the reason we injected

    image = described["containerDefinitions"][0]["image"]
    problems = deployment_problems(client, broken_worker.one("aws:ecs/cluster:Cluster").outputs["name"], ["worker"],
                                   image=image)
    stubber.assert_no_pending_responses()
    assert problems[0].startswith("service worker: deployment of ") and "FAILED" in problems[0]
    assert f"service worker: container worker exited with code {worker.exit_code}" in problems


def test_the_release_workflows_check_exits_1_with_one_line_per_problem(broken_worker):
    client, stubber, outcomes, described = _ecs_for(broken_worker, "worker", settle=60)

    class Session:
        def __init__(self, **kwargs):
            pass

        def client(self, name):
            assert name == "ecs"
            return client

    out = io.StringIO()
    status = check_run(["--stack", "dev", "--service", "worker", "--image", described["containerDefinitions"][0]["image"]],
                       session_factory=Session, out=out)
    output = out.getvalue()
    assert status == 1
    assert "deployment of worker in healthkit-dev failed:" in output
    assert f"  service worker: container worker exited with code {outcomes[0].exit_code}" in output


def test_a_service_steady_on_another_image_fails_the_check_as_rolled_back():
    run = run_stack("dev")
    described = _described(run, "worker")
    client, stubber = ecs_client_answering(
        region=run.region, cluster_arn=run.one("aws:ecs/cluster:Cluster").outputs["arn"], service="worker",
        task_definition=described, outcomes=[])
    other = "123456789012.dkr.ecr.us-east-1.amazonaws.com/healthkit-dev@sha256:" + "1" * 64
    problems = deployment_problems(client, "healthkit-dev", ["worker"], image=other)
    assert problems == [f"service worker: runs {described['taskDefinitionArn']}, which is not image {other} "
                        "(rolled back?)"]
