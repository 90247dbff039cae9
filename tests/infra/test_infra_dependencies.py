"""The order AWS needs, as explicit edges of the mock run's dependency graph.

ECS starts a service's first tasks as soon as the service exists: the execution role's policy
(pull, logs, secrets) and the secret values must exist by then, or the tasks fail with
"ResourceInitializationError: unable to pull secrets or registry auth"; a service whose capacity
provider strategy names FARGATE_SPOT needs the cluster's capacity providers first.
"""

from __future__ import annotations

SERVICE = "aws:ecs/service:Service"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"


def _urn(run, name: str) -> str:
    return run.named(name).urn


def test_every_service_waits_for_the_clusters_capacity_providers(all_runs):
    for run in all_runs:
        capacity = run.one("aws:ecs/clusterCapacityProviders:ClusterCapacityProviders").urn
        services = run.of_type(SERVICE)
        assert len(services) == 2
        for service in services:
            assert capacity in service.dependencies, (run.stack, service.name)


def test_task_definitions_and_services_wait_for_every_role_policy_and_the_secret_value(all_runs):
    for run in all_runs:
        needed = {_urn(run, f"iam-{role}-policy") for role in ("execution", "api-task", "worker-task")}
        needed.add(run.one("aws:secretsmanager/secretVersion:SecretVersion").urn)
        for resource in run.of_type(TASK_DEFINITION) + run.of_type(SERVICE):
            missing = needed - set(resource.dependencies)
            assert not missing, (run.stack, resource.name, sorted(missing))


def test_the_database_secret_reaches_the_task_definitions_through_the_instance(dev):
    instance = dev.one("aws:rds/instance:Instance").urn
    for task in dev.of_type(TASK_DEFINITION):
        assert instance in task.dependencies


def test_pulumi_up_waits_for_each_service_to_become_steady(all_runs):
    for run in all_runs:
        for service in run.of_type(SERVICE):
            assert service.inputs["waitForSteadyState"] is True
            assert service.inputs["deploymentCircuitBreaker"] == {"enable": True, "rollback": True}
            assert service.custom_timeouts == {"create": "20m", "update": "20m"}


def test_the_rollout_timeout_setting_bounds_that_wait():
    from proof.mockrun import run_stack

    run = run_stack("dev", {"rolloutTimeoutMinutes": 45})
    assert {s.custom_timeouts["update"] for s in run.of_type(SERVICE)} == {"45m"}
