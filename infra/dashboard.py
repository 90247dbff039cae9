"""The CloudWatch dashboard: queue, services, load balancer and the app's EMF metrics.

:func:`dashboard_body` is pure (plain names in, the dashboard JSON structure out).
The app's EMF metrics are shown with SEARCH expressions on their namespace and metric name, so
the widgets work whatever low-cardinality dimensions the app attaches.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

import pulumi
import pulumi_aws as aws

from infra.args import check

#: The app's EMF metrics (runtime contract: emitted by the worker and api) and how to add them up.
APP_METRICS = (
    ("RecordsImported", "Sum"),
    ("DuplicateRecords", "Sum"),
    ("ChunkFailures", "Sum"),
    ("BatchDuration", "Average"),
    ("ChunkProcessingTime", "Average"),
)


@dataclass(frozen=True)
class DashboardNames:
    """Plain names the dashboard refers to."""

    region: str
    queue_name: str
    dlq_name: str
    cluster_name: str
    api_service_name: str
    worker_service_name: str
    load_balancer_arn_suffix: str
    target_group_arn_suffix: str
    emf_namespace: str


def _widget(title: str, metrics: list, x: int, y: int, region: str, stat: str = "Average",
            period: int = 60, width: int = 8, height: int = 6) -> dict:
    return {
        "type": "metric", "x": x, "y": y, "width": width, "height": height,
        "properties": {
            "title": title, "region": region, "view": "timeSeries", "stacked": False,
            "stat": stat, "period": period, "metrics": metrics,
        },
    }


def dashboard_body(n: DashboardNames) -> dict:
    """The dashboard as CloudWatch's dashboard body structure (``{"widgets": [...]}``)."""
    sqs, ecs, ci, elb = "AWS/SQS", "AWS/ECS", "ECS/ContainerInsights", "AWS/ApplicationELB"
    q, dlq = ["QueueName", n.queue_name], ["QueueName", n.dlq_name]
    svc = lambda s: ["ClusterName", n.cluster_name, "ServiceName", s]  # noqa: E731
    tg = ["LoadBalancer", n.load_balancer_arn_suffix, "TargetGroup", n.target_group_arn_suffix]
    r = n.region
    widgets = [
        {"type": "text", "x": 0, "y": 0, "width": 24, "height": 1,
         "properties": {"markdown": f"## Imports queue `{n.queue_name}` - cluster `{n.cluster_name}`"}},
        _widget("Queue: messages", [
            [sqs, "ApproximateNumberOfMessagesVisible", *q, {"label": "visible"}],
            [sqs, "ApproximateNumberOfMessagesNotVisible", *q, {"label": "in flight"}],
            [sqs, "ApproximateNumberOfMessagesVisible", *dlq, {"label": "dead-letter", "color": "#d62728"}],
        ], 0, 1, r, stat="Maximum"),
        _widget("Queue: oldest message age (s)", [
            [sqs, "ApproximateAgeOfOldestMessage", *q, {"label": "queue"}],
            [sqs, "ApproximateAgeOfOldestMessage", *dlq, {"label": "dead-letter"}],
        ], 8, 1, r, stat="Maximum"),
        _widget("Queue: throughput", [
            [sqs, "NumberOfMessagesSent", *q, {"label": "sent"}],
            [sqs, "NumberOfMessagesReceived", *q, {"label": "received"}],
            [sqs, "NumberOfMessagesDeleted", *q, {"label": "deleted"}],
        ], 16, 1, r, stat="Sum", period=300),
        _widget("Services: running tasks", [
            [ci, "RunningTaskCount", *svc(n.api_service_name), {"label": "api running"}],
            [ci, "DesiredTaskCount", *svc(n.api_service_name), {"label": "api desired"}],
            [ci, "RunningTaskCount", *svc(n.worker_service_name), {"label": "worker running"}],
            [ci, "DesiredTaskCount", *svc(n.worker_service_name), {"label": "worker desired"}],
        ], 0, 7, r),
        _widget("Services: CPU (%)", [
            [ecs, "CPUUtilization", *svc(n.api_service_name), {"label": "api"}],
            [ecs, "CPUUtilization", *svc(n.worker_service_name), {"label": "worker"}],
        ], 8, 7, r),
        _widget("Services: memory (%)", [
            [ecs, "MemoryUtilization", *svc(n.api_service_name), {"label": "api"}],
            [ecs, "MemoryUtilization", *svc(n.worker_service_name), {"label": "worker"}],
        ], 16, 7, r),
        _widget("API: requests and errors", [
            [elb, "RequestCount", *tg, {"label": "requests"}],
            [elb, "HTTPCode_Target_5XX_Count", *tg, {"label": "target 5xx"}],
            [elb, "HTTPCode_Target_4XX_Count", *tg, {"label": "target 4xx"}],
            [elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", n.load_balancer_arn_suffix, {"label": "ALB 5xx"}],
        ], 0, 13, r, stat="Sum", period=300),
        _widget("API: response time (s)", [
            [elb, "TargetResponseTime", *tg, {"stat": "p50", "label": "p50"}],
            [elb, "TargetResponseTime", *tg, {"stat": "p95", "label": "p95"}],
            [elb, "TargetResponseTime", *tg, {"stat": "p99", "label": "p99"}],
        ], 8, 13, r),
        _widget("API: targets", [
            [elb, "HealthyHostCount", *tg, {"label": "healthy"}],
            [elb, "UnHealthyHostCount", *tg, {"label": "unhealthy"}],
        ], 16, 13, r, stat="Maximum"),
        {"type": "text", "x": 0, "y": 19, "width": 24, "height": 1,
         "properties": {"markdown": f"## App metrics (EMF namespace `{n.emf_namespace}`)"}},
    ]
    for i, (metric, stat) in enumerate(APP_METRICS):
        search = f"SEARCH('{{{n.emf_namespace}}} MetricName=\"{metric}\"', '{stat}', 300)"
        widgets.append(_widget(
            f"App: {metric} ({stat})",
            [[{"expression": search, "id": f"e{i}", "label": metric}]],
            (i % 3) * 8, 20 + (i // 3) * 6, r, stat=stat, period=300))
    return {"widgets": widgets}


def dashboard_url(region: str, name: str) -> str:
    """Console URL of a dashboard."""
    return f"https://{region}.console.aws.amazon.com/cloudwatch/home?region={region}#dashboards/dashboard/{name}"


@dataclass
class DashboardArgs:
    """Arguments of :class:`Dashboard`."""

    dashboard_name: str
    """Dashboard name. Required; letters, digits, - and _."""

    region: str
    """Region of the metrics. Required."""

    queue_name: pulumi.Input[str]
    """Main queue. Required."""

    dlq_name: pulumi.Input[str]
    """Dead-letter queue. Required."""

    cluster_name: pulumi.Input[str]
    """Cluster. Required."""

    api_service_name: pulumi.Input[str]
    """api service. Required."""

    worker_service_name: pulumi.Input[str]
    """worker service. Required."""

    load_balancer_arn_suffix: pulumi.Input[str]
    """ALB arn suffix. Required."""

    target_group_arn_suffix: pulumi.Input[str]
    """api target group arn suffix. Required."""

    emf_namespace: str = "HealthKitImport"
    """Namespace of the app's EMF metrics. Default: HealthKitImport."""


class Dashboard(pulumi.ComponentResource):
    """One CloudWatch dashboard for the stack."""

    dashboard: aws.cloudwatch.Dashboard
    url: str

    def __init__(self, name: str, args: DashboardArgs, opts: pulumi.ResourceOptions | None = None):
        check(bool(args.dashboard_name) and all(c.isalnum() or c in "-_" for c in args.dashboard_name),
              "DashboardArgs", "dashboard_name", args.dashboard_name,
              "must be letters, digits, - and _", "e.g. healthkit-dev")
        super().__init__("healthkit:dashboard:Dashboard", name, None, opts)
        body = pulumi.Output.all(
            args.queue_name, args.dlq_name, args.cluster_name, args.api_service_name,
            args.worker_service_name, args.load_balancer_arn_suffix, args.target_group_arn_suffix,
        ).apply(lambda v: json.dumps(dashboard_body(DashboardNames(
            region=args.region, queue_name=v[0], dlq_name=v[1], cluster_name=v[2], api_service_name=v[3],
            worker_service_name=v[4], load_balancer_arn_suffix=v[5], target_group_arn_suffix=v[6],
            emf_namespace=args.emf_namespace))))
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard", dashboard_name=args.dashboard_name, dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self))
        self.url = dashboard_url(args.region, args.dashboard_name)
        self.register_outputs({"dashboardName": self.dashboard.dashboard_name, "url": self.url})
