"""infra/service.py, infra/web.py, infra/cluster.py: the Fargate service base and its front door."""

from __future__ import annotations

import pytest

from infra import invariants as inv
from infra.args import ComponentArgsError
from infra.cluster import Cluster, ClusterArgs
from infra.service import (
    CapacityShare,
    FargateService,
    FargateServiceArgs,
    LoadBalancerTarget,
    capacity_provider_strategy,
)
from proof.mockrun import run_program


def args(**overrides) -> FargateServiceArgs:
    base = dict(service_name="s", family="f", cluster_arn="arn:aws:ecs:us-east-1:1:cluster/c",
                container_definitions=[{"name": "web", "image": "i", "portMappings": [{"containerPort": 8000}]}],
                cpu=256, memory=512, execution_role_arn="arn:e", task_role_arn="arn:t", subnet_ids=["subnet-1"],
                security_group_ids=["sg-1"])
    return FargateServiceArgs(**{**base, **overrides})


@pytest.mark.parametrize(("spot", "base", "expected"), [
    (0, 0, [CapacityShare("FARGATE", 1, 0)]),
    (100, 0, [CapacityShare("FARGATE_SPOT", 1)]),
    (75, 1, [CapacityShare("FARGATE", 25, 1), CapacityShare("FARGATE_SPOT", 75)]),
])
def test_capacity_strategy_splits_tasks_between_on_demand_and_spot(spot, base, expected):
    assert capacity_provider_strategy(spot_percent=spot, on_demand_base=base) == expected


def test_a_cpu_memory_pair_fargate_rejects_fails_naming_the_argument():
    with pytest.raises(ComponentArgsError, match=r"FargateServiceArgs.memory \('256/4096'\)"):
        FargateService("svc", args(memory=4096))


def test_spot_capacity_with_arm_is_rejected_on_a_platform_version_before_1_4_0():
    with pytest.raises(ComponentArgsError, match="ARM64 tasks on platform version 1.4.0 or later, not 1.3.0"):
        FargateService("svc", args(cpu_architecture="ARM64", platform_version="1.3.0",
                                   capacity_providers=[CapacityShare("FARGATE_SPOT", 1)]))


def test_spot_capacity_with_arm_runs_on_the_latest_platform_version():
    run = run_program(lambda: FargateService("svc", args(
        cpu_architecture="ARM64", capacity_providers=[CapacityShare("FARGATE_SPOT", 1)])))
    service = run.one("aws:ecs/service:Service")
    assert service.inputs["platformVersion"] == "LATEST"
    assert service.inputs["capacityProviderStrategies"][0]["capacityProvider"] == "FARGATE_SPOT"


def test_the_spot_architecture_rule_is_the_one_in_botocores_ecs_model():
    import botocore.session

    doc = botocore.session.get_session().get_service_model("ecs").shape_for("CapacityProviderStrategyItem").documentation
    for architecture, minimum in inv.SPOT_MIN_PLATFORM_VERSION.items():
        assert (f"<code>FARGATE_SPOT</code> supports Linux tasks with the {architecture} architecture on platform "
                f"version {minimum} or later") in doc


def test_load_balancer_on_a_port_the_container_does_not_map_is_rejected():
    with pytest.raises(ComponentArgsError, match="does not match the containers: container 'web' maps ports"):
        FargateService("svc", args(load_balancer=LoadBalancerTarget("arn:tg", "web", 9000)))


def test_container_definitions_known_only_at_deploy_time_are_checked_once_resolved():
    import pulumi

    late = pulumi.Output.from_input([{"name": "web", "image": "i", "portMappings": [{"containerPort": 8000}]}])
    with pytest.raises(ValueError, match="does not match the containers"):
        run_program(lambda: FargateService("svc", args(container_definitions=late,
                                                       load_balancer=LoadBalancerTarget("arn:tg", "web", 9000))))


def test_log_retention_cloudwatch_does_not_offer_is_rejected():
    with pytest.raises(ComponentArgsError, match="ClusterArgs.log_retention_days"):
        Cluster("cluster", ClusterArgs(cluster_name="c", log_group_name="/ecs/c", log_retention_days=45))


def test_alb_drops_invalid_headers_and_drains_briefly(dev):
    lb = dev.one("aws:lb/loadBalancer:LoadBalancer").inputs

    assert (lb["internal"], lb["dropInvalidHeaderFields"], lb["loadBalancerType"]) == (False, True, "application")
    assert dev.one("aws:lb/targetGroup:TargetGroup").inputs["deregistrationDelay"] == 30


def test_api_service_waits_for_every_listener(dev, prod_https):
    for run in (dev, prod_https):
        listeners = {r.urn for r in run.of_type("aws:lb/listener:Listener")}
        assert listeners <= set(run.one("aws:ecs/service:Service", "api-service").dependencies)
