"""The ECS cluster (Container Insights, FARGATE + FARGATE_SPOT) and the services' log group."""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import invariants as inv
from infra.args import check


@dataclass
class ClusterArgs:
    """Arguments of :class:`Cluster`."""

    cluster_name: str
    """Physical cluster name. Required."""

    log_group_name: str
    """Log group every container writes to (awslogs). Required; starts with ``/``."""

    log_retention_days: int = 30
    """Log retention, days; one of CloudWatch's values. Default: 30."""

    protect: bool = False
    """Pulumi ``protect`` and CloudWatch deletion protection on the log group (prod).
    Default: false."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags. Default: none."""


class Cluster(pulumi.ComponentResource):
    """One ECS cluster for both services, and their log group."""

    cluster: aws.ecs.Cluster
    capacity_providers: aws.ecs.ClusterCapacityProviders
    """FARGATE and FARGATE_SPOT on the cluster: services depend on it (their strategies name them)."""
    log_group: aws.cloudwatch.LogGroup
    cluster_name: pulumi.Output[str]
    cluster_arn: pulumi.Output[str]
    log_group_name: pulumi.Output[str]
    log_group_arn: pulumi.Output[str]

    def __init__(self, name: str, args: ClusterArgs, opts: pulumi.ResourceOptions | None = None):
        check(bool(args.cluster_name), "ClusterArgs", "cluster_name", args.cluster_name, "is required",
              "e.g. healthkit-dev")
        check(args.log_group_name.startswith("/"), "ClusterArgs", "log_group_name", args.log_group_name,
              "must start with /", "e.g. /ecs/healthkit-dev")
        check(args.log_retention_days in inv.LOG_RETENTION_DAYS, "ClusterArgs", "log_retention_days",
              args.log_retention_days, f"must be one of {list(inv.LOG_RETENTION_DAYS)}", "use 30")
        super().__init__("healthkit:cluster:Cluster", name, None, opts)

        self.cluster = aws.ecs.Cluster(
            f"{name}-cluster",
            name=args.cluster_name,
            settings=[aws.ecs.ClusterSettingArgs(name="containerInsights", value="enabled")],
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.capacity_providers = aws.ecs.ClusterCapacityProviders(
            f"{name}-capacity-providers",
            cluster_name=self.cluster.name,
            capacity_providers=["FARGATE", "FARGATE_SPOT"],
            default_capacity_provider_strategies=[
                aws.ecs.ClusterCapacityProvidersDefaultCapacityProviderStrategyArgs(
                    capacity_provider="FARGATE", weight=1, base=0),
            ],
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs",
            name=args.log_group_name,
            retention_in_days=args.log_retention_days,
            deletion_protection_enabled=args.protect,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.cluster_name = self.cluster.name
        self.cluster_arn = self.cluster.arn
        self.log_group_name = self.log_group.name
        self.log_group_arn = self.log_group.arn
        self.register_outputs({
            "clusterName": self.cluster_name, "clusterArn": self.cluster_arn,
            "logGroupName": self.log_group_name,
        })
