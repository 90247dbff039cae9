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
from infra.monitoring import MonitoredResources

#: The app's EMF metrics (runtime contract: emitted by the worker and api) and how to add them up.
APP_METRICS = (
    ("RecordsImported", "Sum"),
    ("DuplicateRecords", "Sum"),
    ("ChunkFailures", "Sum"),
    ("BatchDuration", "Average"),
    ("ChunkProcessingTime", "Average"),
    ("DeduplicationHitRate", "Average"),
    ("ExportsFailed", "Sum"),
    ("ExportSamplesRead", "Sum"),
)


#: The dimension set the app writes every EMF metric with (besides a per-Outcome one). A SEARCH
#: schema must name a metric's exact dimension set: the namespace alone matches only metrics
#: that have no dimensions.
EMF_DIMENSIONS = "Environment,ServiceName"


@dataclass(frozen=True)
class DashboardNames:
    """Plain names the dashboard refers to."""

    region: str
    resources: MonitoredResources
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
    q, dlq = ["QueueName", n.resources.queue_name], ["QueueName", n.resources.dlq_name]
    svc = lambda s: ["ClusterName", n.resources.cluster_name, "ServiceName", s]  # noqa: E731
    tg = ["LoadBalancer", n.resources.load_balancer_arn_suffix, "TargetGroup", n.resources.target_group_arn_suffix]
    r = n.region
    widgets = [
        {"type": "text", "x": 0, "y": 0, "width": 24, "height": 1,
         "properties": {"markdown": f"## Imports queue `{n.resources.queue_name}` - cluster `{n.resources.cluster_name}`"}},
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
            [ci, "RunningTaskCount", *svc(n.resources.api_service_name), {"label": "api running"}],
            [ci, "DesiredTaskCount", *svc(n.resources.api_service_name), {"label": "api desired"}],
            [ci, "RunningTaskCount", *svc(n.resources.worker_service_name), {"label": "worker running"}],
            [ci, "DesiredTaskCount", *svc(n.resources.worker_service_name), {"label": "worker desired"}],
        ], 0, 7, r),
        _widget("Services: CPU (%)", [
            [ecs, "CPUUtilization", *svc(n.resources.api_service_name), {"label": "api"}],
            [ecs, "CPUUtilization", *svc(n.resources.worker_service_name), {"label": "worker"}],
        ], 8, 7, r),
        _widget("Services: memory (%)", [
            [ecs, "MemoryUtilization", *svc(n.resources.api_service_name), {"label": "api"}],
            [ecs, "MemoryUtilization", *svc(n.resources.worker_service_name), {"label": "worker"}],
        ], 16, 7, r),
        _widget("API: requests and errors", [
            [elb, "RequestCount", *tg, {"label": "requests"}],
            [elb, "HTTPCode_Target_5XX_Count", *tg, {"label": "target 5xx"}],
            [elb, "HTTPCode_Target_4XX_Count", *tg, {"label": "target 4xx"}],
            [elb, "HTTPCode_ELB_5XX_Count", "LoadBalancer", n.resources.load_balancer_arn_suffix, {"label": "ALB 5xx"}],
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
        search = f"SEARCH('{{{n.emf_namespace},{EMF_DIMENSIONS}}} MetricName=\"{metric}\"', '{stat}', 300)"
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

    resources: MonitoredResources
    """The queues, services and ALB the dashboard shows. Required."""

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
        body = args.resources.resolved().apply(lambda names: json.dumps(dashboard_body(DashboardNames(
            region=args.region, resources=names, emf_namespace=args.emf_namespace))))
        self.dashboard = aws.cloudwatch.Dashboard(
            f"{name}-dashboard", dashboard_name=args.dashboard_name, dashboard_body=body,
            opts=pulumi.ResourceOptions(parent=self))
        self.url = dashboard_url(args.region, args.dashboard_name)
        self.register_outputs({"dashboardName": self.dashboard.dashboard_name, "url": self.url})
