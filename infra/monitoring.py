"""What the alarms and the dashboard watch: the names of the stack's queues, services and ALB."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

import pulumi


@dataclass(frozen=True)
class MonitoredResources:
    """Names CloudWatch metrics are keyed by: plain strings, or Pulumi Inputs inside a program."""

    queue_name: Any
    """Main queue (``QueueName`` dimension). Required."""

    dlq_name: Any
    """Dead-letter queue (``QueueName`` dimension). Required."""

    cluster_name: Any
    """ECS cluster (``ClusterName`` dimension). Required."""

    api_service_name: Any
    """api service (``ServiceName`` dimension). Required."""

    worker_service_name: Any
    """worker service (``ServiceName`` dimension). Required."""

    load_balancer_arn_suffix: Any
    """ALB ``app/<name>/<id>`` (``LoadBalancer`` dimension). Required."""

    target_group_arn_suffix: Any
    """api target group ``targetgroup/<name>/<id>`` (``TargetGroup`` dimension). Required."""

    emf_namespace: Any = None
    """Namespace of the app's EMF metrics; with it, the app metrics are alarmed on too. Default: none."""

    emf_dimensions: Any = None
    """The app's total dimension set ``{"ServiceName", "Environment"}`` (healthkit.metrics). Default: none."""

    def resolved(self) -> pulumi.Output[MonitoredResources]:
        """The same names with every Input resolved to a plain string."""
        names = {f.name: getattr(self, f.name) for f in fields(self)}
        return pulumi.Output.all(**names).apply(lambda names: MonitoredResources(**names))
