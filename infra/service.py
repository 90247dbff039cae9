"""A Fargate service: its task definition and ECS service (the shared base of api and worker).

The container definitions come in ready-made (from :mod:`infra.containers`), so both services
are wired the same way and differ only in their arguments: the api has a load balancer, the
worker has none and may run on Fargate Spot.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import pulumi
import pulumi_aws as aws

from infra import invariants as inv
from infra.args import check


@dataclass(frozen=True)
class CapacityShare:
    """One entry of a capacity provider strategy."""

    capacity_provider: str
    weight: int
    base: int = 0


def capacity_provider_strategy(*, spot_percent: int, on_demand_base: int = 0) -> list[CapacityShare]:
    """FARGATE / FARGATE_SPOT split for ``spot_percent`` of the tasks above ``on_demand_base``.

    ``0`` is all on-demand; ``100`` is all Spot (except the on-demand base).
    """
    if not 0 <= spot_percent <= 100:
        raise ValueError(f"spot_percent ({spot_percent}) must be between 0 and 100")
    if spot_percent == 0:
        return [CapacityShare("FARGATE", weight=1, base=on_demand_base)]
    if spot_percent == 100 and on_demand_base == 0:
        return [CapacityShare("FARGATE_SPOT", weight=1)]
    return [
        CapacityShare("FARGATE", weight=100 - spot_percent, base=on_demand_base),
        CapacityShare("FARGATE_SPOT", weight=spot_percent),
    ]


#: Minutes ``pulumi up`` waits for a service to become steady (the provider's default timeout).
DEFAULT_ROLLOUT_TIMEOUT_MINUTES = 20
ROLLOUT_TIMEOUT_RANGE = (5, 180)


@dataclass
class LoadBalancerTarget:
    """Where a service registers its tasks."""

    target_group_arn: pulumi.Input[str]
    """Target group the tasks register with. Required."""

    container_name: str
    """Container receiving the traffic. Required; must map ``container_port``."""

    container_port: int
    """Port of that container. Required."""

    depends_on: Sequence[pulumi.Resource] = ()
    """Resources ECS needs first: the listener forwarding to the target group (ECS rejects a
    target group no load balancer uses). Default: none."""


@dataclass
class FargateServiceArgs:
    """Arguments of :class:`FargateService`."""

    service_name: str
    """ECS service name (unique in the cluster). Required."""

    family: str
    """Task definition family. Required."""

    cluster_arn: pulumi.Input[str]
    """Cluster to run in. Required."""

    container_definitions: pulumi.Input[list]
    """ECS container definitions (a list of dicts, e.g. from :mod:`infra.containers`). Required."""

    cpu: int
    """Task cpu units; with ``memory`` a pair Fargate accepts. Required."""

    memory: int
    """Task memory, MiB. Required."""

    execution_role_arn: pulumi.Input[str]
    """Role ECS uses to start the task (pull, logs, secrets). Required."""

    task_role_arn: pulumi.Input[str]
    """Role the containers run as. Required."""

    subnet_ids: pulumi.Input[Sequence[str]]
    """Subnets of the tasks (private). Required."""

    security_group_ids: Sequence[pulumi.Input[str]]
    """Security groups of the tasks. Required."""

    desired_count: int = 1
    """Initial task count (autoscaling owns it afterwards: changes are ignored). Default: 1."""

    cpu_architecture: str = "X86_64"
    """``X86_64`` or ``ARM64`` (both run on Fargate Spot: ARM64 on platform version 1.4.0+).
    Default: X86_64."""

    platform_version: str = inv.FARGATE_PLATFORM_VERSION
    """Fargate platform version (``LATEST`` or e.g. ``1.4.0``); with Spot it must be one that runs
    the architecture (:func:`infra.invariants.spot_platform_problem`). Default: LATEST."""

    capacity_providers: Sequence[CapacityShare] = (CapacityShare("FARGATE", 1),)
    """Capacity provider strategy. Default: all FARGATE."""

    load_balancer: LoadBalancerTarget | None = None
    """Target group registration (api). The named container must map that port.
    Default: none (worker)."""

    health_check_grace_period_seconds: int = 60
    """With a load balancer: seconds ECS ignores failing target health of a new task.
    Default: 60."""

    rollout_timeout_minutes: int = DEFAULT_ROLLOUT_TIMEOUT_MINUTES
    """How long ``pulumi up`` waits for the service to reach a steady state after creating or
    updating it (``wait_for_steady_state``); a deployment the circuit breaker fails, or one still
    not steady then, fails the ``up``. 5-180. Default: 20 (the provider's own default)."""

    task_depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before the task definition and the service: the execution role's policy
    (ECS pulls the image, writes logs and reads secrets with it when the first task starts) and
    the secret versions the containers read. Default: none."""

    service_depends_on: Sequence[pulumi.Resource] = ()
    """What must exist before the service only: the cluster's capacity providers (a service whose
    strategy names FARGATE_SPOT before the cluster has it is refused). Default: none."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the task definition and service (propagated to tasks). Default: none."""


def _port_problem(definitions: list[dict], target: LoadBalancerTarget | None) -> str | None:
    if target is None:
        return None
    for container in definitions:
        if container.get("name") == target.container_name:
            ports = [p.get("containerPort") for p in container.get("portMappings", [])]
            if target.container_port in ports:
                return None
            return f"container {target.container_name!r} maps ports {ports}, not {target.container_port}"
    return f"no container named {target.container_name!r}"


class FargateService(pulumi.ComponentResource):
    """Task definition + ECS service with circuit breaker rollback; ``pulumi up`` waits until the
    service is steady."""

    task_definition: aws.ecs.TaskDefinition
    service: aws.ecs.Service
    service_name: pulumi.Output[str]

    def __init__(self, name: str, args: FargateServiceArgs, opts: pulumi.ResourceOptions | None = None):
        problem = inv.fargate_pair_problem(args.cpu, args.memory)
        check(problem is None, "FargateServiceArgs", "memory", f"{args.cpu}/{args.memory}",
              f"is not a cpu/memory pair Fargate accepts ({problem})", "pick a supported pair, e.g. 512/1024")
        check(args.cpu_architecture in ("X86_64", "ARM64"), "FargateServiceArgs", "cpu_architecture",
              args.cpu_architecture, "must be X86_64 or ARM64", "use X86_64")
        spot = any(c.capacity_provider == "FARGATE_SPOT" for c in args.capacity_providers)
        spot_problem = inv.spot_platform_problem(args.cpu_architecture, args.platform_version) if spot else None
        check(spot_problem is None, "FargateServiceArgs", "platform_version", args.platform_version,
              str(spot_problem), "use LATEST (or 1.4.0 or later)")
        check(sum(1 for c in args.capacity_providers if c.base) <= 1, "FargateServiceArgs",
              "capacity_providers", args.capacity_providers, "only one provider may have a base",
              "set base on FARGATE only")
        check(args.desired_count >= 0, "FargateServiceArgs", "desired_count", args.desired_count,
              "must be >= 0", "use 1")
        low, high = ROLLOUT_TIMEOUT_RANGE
        check(low <= args.rollout_timeout_minutes <= high, "FargateServiceArgs", "rollout_timeout_minutes",
              args.rollout_timeout_minutes, f"must be between {low} and {high}",
              f"use {DEFAULT_ROLLOUT_TIMEOUT_MINUTES}")
        if isinstance(args.container_definitions, (list, tuple)):  # known now: check now, else once resolved
            port_problem = _port_problem(list(args.container_definitions), args.load_balancer)
            check(port_problem is None, "FargateServiceArgs", "load_balancer",
                  args.load_balancer and args.load_balancer.container_name,
                  f"does not match the containers: {port_problem}", "map the port in that container")
        super().__init__("healthkit:service:FargateService", name, None, opts)

        def definitions_json(definitions: list[dict]) -> str:
            port_problem = _port_problem(definitions, args.load_balancer)
            check(port_problem is None, "FargateServiceArgs", "load_balancer",
                  args.load_balancer and args.load_balancer.container_name,
                  f"does not match the containers: {port_problem}", "map the port in that container")
            return json.dumps(definitions)

        self.task_definition = aws.ecs.TaskDefinition(
            f"{name}-task",
            family=args.family,
            container_definitions=pulumi.Output.from_input(args.container_definitions).apply(definitions_json),
            cpu=str(args.cpu),
            memory=str(args.memory),
            network_mode="awsvpc",
            requires_compatibilities=["FARGATE"],
            runtime_platform=aws.ecs.TaskDefinitionRuntimePlatformArgs(
                operating_system_family="LINUX", cpu_architecture=args.cpu_architecture),
            execution_role_arn=args.execution_role_arn,
            task_role_arn=args.task_role_arn,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, depends_on=list(args.task_depends_on)),
        )
        load_balancers: list[Any] = []
        grace = None
        if args.load_balancer is not None:
            load_balancers = [aws.ecs.ServiceLoadBalancerArgs(
                target_group_arn=args.load_balancer.target_group_arn,
                container_name=args.load_balancer.container_name,
                container_port=args.load_balancer.container_port,
            )]
            grace = args.health_check_grace_period_seconds
        self.service = aws.ecs.Service(
            f"{name}-service",
            name=args.service_name,
            cluster=args.cluster_arn,
            task_definition=self.task_definition.arn,
            desired_count=args.desired_count,
            capacity_provider_strategies=[
                aws.ecs.ServiceCapacityProviderStrategyArgs(
                    capacity_provider=c.capacity_provider, weight=c.weight, base=c.base)
                for c in args.capacity_providers
            ],
            platform_version=args.platform_version,
            network_configuration=aws.ecs.ServiceNetworkConfigurationArgs(
                subnets=args.subnet_ids, security_groups=list(args.security_group_ids), assign_public_ip=False),
            load_balancers=load_balancers,
            health_check_grace_period_seconds=grace,
            deployment_circuit_breaker=aws.ecs.ServiceDeploymentCircuitBreakerArgs(enable=True, rollback=True),
            deployment_minimum_healthy_percent=100,
            deployment_maximum_percent=200,
            enable_ecs_managed_tags=True,
            propagate_tags="SERVICE",
            # `pulumi up` fails when the deployment does: a crash-looping container, a failed
            # migrate or a health check that never passes (docs/deploy.md, "When a rollout fails").
            wait_for_steady_state=True,
            tags=args.tags,
            opts=pulumi.ResourceOptions(
                parent=self, ignore_changes=["desiredCount"],
                custom_timeouts=pulumi.CustomTimeouts(
                    create=f"{args.rollout_timeout_minutes}m", update=f"{args.rollout_timeout_minutes}m"),
                depends_on=[*args.task_depends_on, *args.service_depends_on,
                            *(args.load_balancer.depends_on if args.load_balancer else ())]),
        )
        self.service_name = self.service.name
        self.register_outputs({"serviceName": self.service_name, "taskDefinitionArn": self.task_definition.arn})
