"""Alarms: an SNS topic (optional e-mail subscription) and CloudWatch alarms on the queue, the
dead-letter queue, both services and the ALB.

:func:`alarm_definitions` is pure: it returns the MetricAlarm arguments (snake_case, as
pulumi_aws takes them) for plain names, so tests read every alarm without Pulumi.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.args import check
from infra.monitoring import MonitoredResources


@dataclass(frozen=True)
class AlarmThresholds:
    """Alarm thresholds (all > 0)."""

    oldest_message_age_seconds: int = 900
    """Oldest message in the queue older than this, seconds. Default: 900."""

    queue_depth: int = 1000
    """More visible messages than this. Default: 1000."""

    api_5xx_count: int = 10
    """More 5xx (targets + ALB) than this in 5 minutes. Default: 10."""

    api_latency_p95_ms: int = 2000
    """p95 target response time above this, milliseconds. Default: 2000."""

    cpu_percent: int = 85
    """Service average CPU above this, percent. Default: 85."""

    memory_percent: int = 85
    """Service average memory above this, percent. Default: 85."""

    failed_exports: int = 1
    """At least this many exports ended `failed` in an hour (the app's ExportsFailed). Default: 1."""


@dataclass(frozen=True)
class AlarmDefinition:
    """One alarm: its role (``<prefix>-<role>`` is its name) and MetricAlarm arguments."""

    role: str
    args: dict


def _metric(namespace: str, name: str, dimensions: dict, stat: str, period: int = 60) -> dict:
    return {"namespace": namespace, "metric_name": name, "dimensions": dimensions, "stat": stat, "period": period}


def alarm_definitions(
    *, prefix: str, resources: MonitoredResources, thresholds: AlarmThresholds,
) -> list[AlarmDefinition]:
    """Every alarm of the stack (names may be plain strings or Pulumi Inputs)."""
    t, r = thresholds, resources
    queue_name, dlq_name, cluster_name = r.queue_name, r.dlq_name, r.cluster_name
    api_service_name, worker_service_name = r.api_service_name, r.worker_service_name
    load_balancer_arn_suffix, target_group_arn_suffix = r.load_balancer_arn_suffix, r.target_group_arn_suffix
    queue = {"QueueName": queue_name}
    alb = {"LoadBalancer": load_balancer_arn_suffix, "TargetGroup": target_group_arn_suffix}

    def simple(role: str, description: str, namespace: str, metric: str, dimensions: dict, stat: str,
               threshold: float, periods: int, comparison: str = "GreaterThanThreshold",
               missing: str = "notBreaching", period: int = 60, extended: bool = False) -> AlarmDefinition:
        args = {
            "name": f"{prefix}-{role}",
            "alarm_description": description,
            "namespace": namespace,
            "metric_name": metric,
            "dimensions": dimensions,
            "period": period,
            "evaluation_periods": periods,
            "datapoints_to_alarm": periods,
            "threshold": threshold,
            "comparison_operator": comparison,
            "treat_missing_data": missing,
        }
        args["extended_statistic" if extended else "statistic"] = stat
        return AlarmDefinition(role, args)

    out = [
        simple("queue-oldest-message-age",
               f"Oldest import message waited more than {t.oldest_message_age_seconds} s: workers are "
               "stuck, too few, or failing",
               "AWS/SQS", "ApproximateAgeOfOldestMessage", queue, "Maximum",
               t.oldest_message_age_seconds, 5),
        simple("queue-depth", f"More than {t.queue_depth} import messages waiting",
               "AWS/SQS", "ApproximateNumberOfMessagesVisible", queue, "Maximum", t.queue_depth, 5),
        simple("dlq-not-empty", "Import messages reached the dead-letter queue (failed every retry)",
               "AWS/SQS", "ApproximateNumberOfMessagesVisible", {"QueueName": dlq_name}, "Maximum", 0, 1),
        AlarmDefinition("worker-tasks-below-desired", {
            "name": f"{prefix}-worker-tasks-below-desired",
            "alarm_description": "Fewer worker tasks running than desired for 10 minutes (failing "
                                 "health checks, crash loop, or no Spot capacity)",
            "metric_queries": [
                {"id": "running", "return_data": False, "metric": _metric(
                    "ECS/ContainerInsights", "RunningTaskCount",
                    {"ClusterName": cluster_name, "ServiceName": worker_service_name}, "Average")},
                {"id": "desired", "return_data": False, "metric": _metric(
                    "ECS/ContainerInsights", "DesiredTaskCount",
                    {"ClusterName": cluster_name, "ServiceName": worker_service_name}, "Average")},
                {"id": "missing", "label": "desired - running", "expression": "desired - running",
                 "return_data": True},
            ],
            "evaluation_periods": 10,
            "datapoints_to_alarm": 10,
            "threshold": 0,
            "comparison_operator": "GreaterThanThreshold",
            "treat_missing_data": "missing",
        }),
        AlarmDefinition("api-5xx", {
            "name": f"{prefix}-api-5xx",
            "alarm_description": f"More than {t.api_5xx_count} api 5xx answers (targets + ALB) in 5 minutes",
            "metric_queries": [
                {"id": "target5xx", "return_data": False, "metric": _metric(
                    "AWS/ApplicationELB", "HTTPCode_Target_5XX_Count", alb, "Sum", 300)},
                {"id": "elb5xx", "return_data": False, "metric": _metric(
                    "AWS/ApplicationELB", "HTTPCode_ELB_5XX_Count",
                    {"LoadBalancer": load_balancer_arn_suffix}, "Sum", 300)},
                {"id": "total", "label": "5xx answers", "expression": "FILL(target5xx, 0) + FILL(elb5xx, 0)",
                 "return_data": True},
            ],
            "evaluation_periods": 1,
            "datapoints_to_alarm": 1,
            "threshold": t.api_5xx_count,
            "comparison_operator": "GreaterThanThreshold",
            "treat_missing_data": "notBreaching",
        }),
        simple("api-latency-p95", f"api p95 response time above {t.api_latency_p95_ms} ms",
               "AWS/ApplicationELB", "TargetResponseTime", alb, "p95",
               t.api_latency_p95_ms / 1000, 5, extended=True),
        simple("api-unhealthy-targets", "api tasks failing the /healthz check",
               "AWS/ApplicationELB", "UnHealthyHostCount", alb, "Maximum", 0, 5),
    ]
    for service, service_name in (("api", api_service_name), ("worker", worker_service_name)):
        dims = {"ClusterName": cluster_name, "ServiceName": service_name}
        out.append(simple(f"{service}-cpu-high", f"{service} average CPU above {t.cpu_percent}%",
                          "AWS/ECS", "CPUUtilization", dims, "Average", t.cpu_percent, 5))
        out.append(simple(f"{service}-memory-high", f"{service} average memory above {t.memory_percent}%",
                          "AWS/ECS", "MemoryUtilization", dims, "Average", t.memory_percent, 5))
    if r.emf_namespace:
        out.append(simple("exports-failed",
                          f"{t.failed_exports} or more exports ended failed within an hour (docs/runbook.md, "
                          "\"Failed exports\")",
                          r.emf_namespace, "ExportsFailed", r.emf_dimensions, "Sum", t.failed_exports, 1,
                          comparison="GreaterThanOrEqualToThreshold", period=3600))
    return out


@dataclass
class AlarmsArgs:
    """Arguments of :class:`Alarms`."""

    prefix: str
    """Prefix of alarm and topic names. Required."""

    resources: MonitoredResources
    """The queues, services and ALB the alarms watch. Required."""

    thresholds: AlarmThresholds = field(default_factory=AlarmThresholds)
    """Thresholds. Default: AlarmThresholds()."""

    email: str = ""
    """E-mail subscribed to the topic; empty for none. Default: empty."""

    email_is_secret: bool = False
    """Keep the e-mail address secret in the state (it was set with --secret). Default: false."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags. Default: none."""


class Alarms(pulumi.ComponentResource):
    """The alarm topic and every alarm, each notifying the topic on ALARM and OK."""

    topic: aws.sns.Topic
    topic_arn: pulumi.Output[str]
    alarms: list

    def __init__(self, name: str, args: AlarmsArgs, opts: pulumi.ResourceOptions | None = None):
        t = args.thresholds
        for attr in ("oldest_message_age_seconds", "queue_depth", "api_5xx_count", "api_latency_p95_ms",
                     "cpu_percent", "memory_percent", "failed_exports"):
            check(getattr(t, attr) > 0, "AlarmsArgs", f"thresholds.{attr}", getattr(t, attr),
                  "must be > 0", "set a positive threshold")
        check(t.cpu_percent <= 100 and t.memory_percent <= 100, "AlarmsArgs", "thresholds.cpu_percent",
              (t.cpu_percent, t.memory_percent), "percentages must be <= 100", "use e.g. 85")
        check(not args.email or "@" in args.email, "AlarmsArgs", "email", args.email,
              "must be an e-mail address", "e.g. oncall@example.com")
        super().__init__("healthkit:alarms:Alarms", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.topic = aws.sns.Topic(f"{name}-topic", name=f"{args.prefix}-alarms", tags=args.tags, opts=child)
        if args.email:
            aws.sns.TopicSubscription(
                f"{name}-email", topic=self.topic.arn, protocol="email",
                endpoint=pulumi.Output.secret(args.email) if args.email_is_secret else args.email, opts=child)
        self.alarms = []
        for alarm in alarm_definitions(
            prefix=args.prefix, resources=args.resources, thresholds=t,
        ):
            self.alarms.append(aws.cloudwatch.MetricAlarm(
                f"{name}-{alarm.role}",
                alarm_actions=[self.topic.arn],
                ok_actions=[self.topic.arn],
                tags=args.tags,
                opts=child,
                **alarm.args,
            ))
        self.topic_arn = self.topic.arn
        self.register_outputs({"topicArn": self.topic_arn})
