"""infra/scaling.py: api target tracking; worker backlog per task, never below one task."""

from __future__ import annotations

import pytest

from infra.args import ComponentArgsError
from infra.scaling import BACKLOG_PER_TASK_EXPRESSION, ServiceScaling, ServiceScalingArgs


def tracking(run, name: str) -> dict:
    return run.one("aws:appautoscaling/policy:Policy", name).inputs["targetTrackingScalingPolicyConfiguration"]


def test_scalable_targets_use_min_and_max_from_config(prod):
    api = prod.one("aws:appautoscaling/target:Target", "api-scaling-target").inputs
    worker = prod.one("aws:appautoscaling/target:Target", "worker-scaling-target").inputs

    assert (api["minCapacity"], api["maxCapacity"], api["resourceId"]) == (2, 10, "service/healthkit-prod/api")
    assert (worker["minCapacity"], worker["maxCapacity"]) == (2, 20)
    assert api["scalableDimension"] == "ecs:service:DesiredCount"


def test_api_tracks_cpu_and_in_prod_requests_per_target(dev, prod):
    assert tracking(dev, "api-scaling-cpu")["predefinedMetricSpecification"] == {
        "predefinedMetricType": "ECSServiceAverageCPUUtilization"}
    assert not dev.of_type("aws:appautoscaling/policy:Policy") or \
        "api-scaling-requests" not in {p.name for p in dev.of_type("aws:appautoscaling/policy:Policy")}
    requests = tracking(prod, "api-scaling-requests")
    lb, tg = prod.one("aws:lb/loadBalancer:LoadBalancer"), prod.one("aws:lb/targetGroup:TargetGroup")
    assert requests["predefinedMetricSpecification"]["resourceLabel"] == f"{lb.outputs['arnSuffix']}/{tg.outputs['arnSuffix']}"
    assert requests["targetValue"] == 1000


def test_worker_scales_on_visible_messages_per_running_task(dev):
    spec = tracking(dev, "worker-scaling-backlog")
    m1, m2, e1 = spec["customizedMetricSpecification"]["metrics"]

    assert m1["metricStat"]["metric"]["metricName"] == "ApproximateNumberOfMessagesVisible"
    assert m1["metricStat"]["metric"]["dimensions"] == [{"name": "QueueName", "value": "healthkit-dev-apple-health-imports"}]
    assert (m2["metricStat"]["metric"]["namespace"], m2["metricStat"]["metric"]["metricName"]) == \
        ("ECS/ContainerInsights", "RunningTaskCount")
    assert (e1["expression"], e1["returnData"]) == (BACKLOG_PER_TASK_EXPRESSION, True)
    assert spec["targetValue"] == 10


def test_worker_never_scales_below_one_task(stacks):
    for run in stacks:
        assert run.one("aws:appautoscaling/target:Target", "worker-scaling-target").inputs["minCapacity"] >= 1


def test_backlog_scaling_from_zero_tasks_is_rejected():
    with pytest.raises(ComponentArgsError, match=r"ServiceScalingArgs.min_count \(0\) must be >= 1 with backlog"):
        ServiceScaling("w", ServiceScalingArgs(cluster_name="c", service_name="s", min_count=0, max_count=2,
                                               backlog_per_task=10, queue_name="q"))


def test_scaling_without_any_target_is_rejected():
    with pytest.raises(ComponentArgsError, match="no target given"):
        ServiceScaling("a", ServiceScalingArgs(cluster_name="c", service_name="s", min_count=1, max_count=2))
