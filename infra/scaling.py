"""Service auto scaling: a scalable target and target tracking policies.

- api: average CPU and/or ALB requests per target (predefined metrics);
- worker: backlog per task = visible messages / running tasks (metric math), never below 1 task
  so a single message is always served.

The policy configurations are built by pure functions (the shapes pulumi_aws takes).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.args import check

_TT = aws.appautoscaling


def cpu_target_tracking(*, target_percent: int, scale_in_cooldown: int, scale_out_cooldown: int) -> dict:
    """Target tracking on the service's average CPU."""
    return {
        "target_value": float(target_percent),
        "predefined_metric_specification": {"predefined_metric_type": "ECSServiceAverageCPUUtilization"},
        "scale_in_cooldown": scale_in_cooldown,
        "scale_out_cooldown": scale_out_cooldown,
    }


def requests_target_tracking(
    *, requests_per_target: int, resource_label: str, scale_in_cooldown: int, scale_out_cooldown: int,
) -> dict:
    """Target tracking on ALB requests per target (label ``app/<lb>/<id>/targetgroup/<tg>/<id>``)."""
    return {
        "target_value": float(requests_per_target),
        "predefined_metric_specification": {
            "predefined_metric_type": "ALBRequestCountPerTarget", "resource_label": resource_label},
        "scale_in_cooldown": scale_in_cooldown,
        "scale_out_cooldown": scale_out_cooldown,
    }


#: Metric math of the worker's scaling metric: visible messages per running task (a service
#: reporting no running task counts as one, so the expression is always defined).
BACKLOG_PER_TASK_EXPRESSION = "m1 / IF(m2 > 0, m2, 1)"


def backlog_target_tracking(
    *, queue_name: str, cluster_name: str, service_name: str, backlog_per_task: int,
    scale_in_cooldown: int, scale_out_cooldown: int,
) -> dict:
    """Target tracking on backlog per task: SQS ApproximateNumberOfMessagesVisible divided by
    the service's RunningTaskCount (Container Insights)."""
    return {
        "target_value": float(backlog_per_task),
        "customized_metric_specification": {
            "metrics": [
                {
                    "id": "m1",
                    "label": "visible messages",
                    "return_data": False,
                    "metric_stat": {
                        "metric": {
                            "namespace": "AWS/SQS",
                            "metric_name": "ApproximateNumberOfMessagesVisible",
                            "dimensions": [{"name": "QueueName", "value": queue_name}],
                        },
                        "stat": "Average",
                    },
                },
                {
                    "id": "m2",
                    "label": "running tasks",
                    "return_data": False,
                    "metric_stat": {
                        "metric": {
                            "namespace": "ECS/ContainerInsights",
                            "metric_name": "RunningTaskCount",
                            "dimensions": [
                                {"name": "ClusterName", "value": cluster_name},
                                {"name": "ServiceName", "value": service_name},
                            ],
                        },
                        "stat": "Average",
                    },
                },
                {
                    "id": "e1",
                    "label": "backlog per task",
                    "expression": BACKLOG_PER_TASK_EXPRESSION,
                    "return_data": True,
                },
            ],
        },
        "scale_in_cooldown": scale_in_cooldown,
        "scale_out_cooldown": scale_out_cooldown,
    }


@dataclass
class ServiceScalingArgs:
    """Arguments of :class:`ServiceScaling`. Give at least one target."""

    cluster_name: pulumi.Input[str]
    """Cluster of the service. Required."""

    service_name: pulumi.Input[str]
    """ECS service to scale. Required."""

    min_count: int
    """Fewest tasks. >= 1 with ``backlog_per_task`` (a single message must be served). Required."""

    max_count: int
    """Most tasks. >= min_count. Required."""

    cpu_target_percent: int = 0
    """Target average CPU, percent; 0 for none. Default: 0."""

    requests_per_target: int = 0
    """Target ALB requests per target per minute; 0 for none; needs ``alb_resource_label``.
    Default: 0."""

    alb_resource_label: pulumi.Input[str] | None = None
    """``<lb arn suffix>/<target group arn suffix>``. Default: none."""

    backlog_per_task: int = 0
    """Target visible messages per running task; 0 for none; needs ``queue_name``. Default: 0."""

    queue_name: pulumi.Input[str] | None = None
    """Queue whose backlog drives scaling. Default: none."""

    scale_in_cooldown_seconds: int = 300
    """Scale-in cooldown, seconds. Default: 300."""

    scale_out_cooldown_seconds: int = 60
    """Scale-out cooldown, seconds. Default: 60."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the scalable target. Default: none."""


class ServiceScaling(pulumi.ComponentResource):
    """Scalable target on ``ecs:service:DesiredCount`` and its target tracking policies."""

    target: aws.appautoscaling.Target
    policies: list

    def __init__(self, name: str, args: ServiceScalingArgs, opts: pulumi.ResourceOptions | None = None):
        check(args.min_count >= 0, "ServiceScalingArgs", "min_count", args.min_count, "must be >= 0", "use 1")
        check(args.max_count >= args.min_count, "ServiceScalingArgs", "max_count", args.max_count,
              f"must be >= min_count ({args.min_count})", "raise max_count or lower min_count")
        check(args.cpu_target_percent or args.requests_per_target or args.backlog_per_task,
              "ServiceScalingArgs", "cpu_target_percent", args.cpu_target_percent,
              "no target given (cpu_target_percent, requests_per_target and backlog_per_task are all 0)",
              "set at least one target")
        check(not args.requests_per_target or args.alb_resource_label is not None, "ServiceScalingArgs",
              "alb_resource_label", args.alb_resource_label, "is required with requests_per_target",
              "pass <lb arn suffix>/<target group arn suffix>")
        check(not args.backlog_per_task or args.queue_name is not None, "ServiceScalingArgs", "queue_name",
              args.queue_name, "is required with backlog_per_task", "pass the queue name")
        check(not args.backlog_per_task or args.min_count >= 1, "ServiceScalingArgs", "min_count",
              args.min_count, "must be >= 1 with backlog scaling (backlog per task cannot wake a service "
              "from 0, and a single message must be served)", "use 1")
        super().__init__("healthkit:scaling:ServiceScaling", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        resource_id = pulumi.Output.concat("service/", args.cluster_name, "/", args.service_name)
        self.target = aws.appautoscaling.Target(
            f"{name}-target",
            service_namespace="ecs",
            scalable_dimension="ecs:service:DesiredCount",
            resource_id=resource_id,
            min_capacity=args.min_count,
            max_capacity=args.max_count,
            tags=args.tags,
            opts=child,
        )
        cooldowns = {"scale_in_cooldown": args.scale_in_cooldown_seconds,
                     "scale_out_cooldown": args.scale_out_cooldown_seconds}
        configs: list[tuple[str, pulumi.Input[dict]]] = []
        if args.cpu_target_percent:
            configs.append(("cpu", cpu_target_tracking(target_percent=args.cpu_target_percent, **cooldowns)))
        if args.requests_per_target:
            configs.append(("requests", pulumi.Output.from_input(args.alb_resource_label).apply(
                lambda label: requests_target_tracking(
                    requests_per_target=args.requests_per_target, resource_label=label, **cooldowns))))
        if args.backlog_per_task:
            configs.append(("backlog", pulumi.Output.all(args.queue_name, args.cluster_name, args.service_name).apply(
                lambda v: backlog_target_tracking(
                    queue_name=v[0], cluster_name=v[1], service_name=v[2],
                    backlog_per_task=args.backlog_per_task, **cooldowns))))
        self.policies = []
        for role, config in configs:
            self.policies.append(aws.appautoscaling.Policy(
                f"{name}-{role}",
                name=pulumi.Output.concat(args.service_name, f"-{role}-tracking"),
                policy_type="TargetTrackingScaling",
                service_namespace=self.target.service_namespace,
                scalable_dimension=self.target.scalable_dimension,
                resource_id=self.target.resource_id,
                target_tracking_scaling_policy_configuration=config,
                opts=child,
            ))
        self.register_outputs({"resourceId": resource_id})
