"""infra/alarms.py and infra/dashboard.py: what operators are told and shown."""

from __future__ import annotations

import json

import pytest

from infra.alarms import AlarmThresholds, alarm_definitions
from infra.monitoring import MonitoredResources
from infra.dashboard import APP_METRICS


def alarm(run, role: str) -> dict:
    return run.one("aws:cloudwatch/metricAlarm:MetricAlarm", f"alarms-{role}").inputs


def test_every_operational_alarm_exists(dev):
    assert {r.name.removeprefix("alarms-") for r in dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm")} == {
        "queue-oldest-message-age", "queue-depth", "dlq-not-empty", "worker-tasks-below-desired", "api-5xx",
        "api-latency-p95", "api-unhealthy-targets", "api-cpu-high", "api-memory-high", "worker-cpu-high",
        "worker-memory-high", "exports-failed"}


def test_every_alarm_notifies_the_topic_on_alarm_and_recovery(dev):
    topic = dev.one("aws:sns/topic:Topic").outputs["arn"]

    for a in dev.of_type("aws:cloudwatch/metricAlarm:MetricAlarm"):
        assert a.inputs["alarmActions"] == a.inputs["okActions"] == [topic]


def test_dead_letter_queue_alarm_fires_on_the_first_message(dev):
    dlq = alarm(dev, "dlq-not-empty")

    assert dlq["dimensions"] == {"QueueName": "healthkit-dev-apple-health-imports-dlq"}
    assert (dlq["threshold"], dlq["comparisonOperator"], dlq["evaluationPeriods"]) == (0, "GreaterThanThreshold", 1)


def test_queue_age_threshold_comes_from_config(prod):
    assert alarm(prod, "queue-oldest-message-age")["threshold"] == 600


def test_worker_below_desired_compares_running_with_desired_tasks(dev):
    queries = {q["id"]: q for q in alarm(dev, "worker-tasks-below-desired")["metricQueries"]}

    assert queries["missing"]["expression"] == "desired - running"
    assert queries["running"]["metric"]["dimensions"] == {"ClusterName": "healthkit-dev", "ServiceName": "worker"}


def test_api_latency_alarm_uses_p95_in_seconds(dev):
    latency = alarm(dev, "api-latency-p95")

    assert (latency["extendedStatistic"], latency["threshold"]) == ("p95", 2)


def test_email_subscription_exists_only_when_configured(dev, prod_https):
    assert not dev.of_type("aws:sns/topicSubscription:TopicSubscription")
    subscription = prod_https.one("aws:sns/topicSubscription:TopicSubscription").inputs
    assert (subscription["protocol"], subscription["endpoint"]) == ("email", "oncall@example.com")


def test_alarm_definitions_are_pure_and_use_given_names():
    found = alarm_definitions(prefix="p", resources=MonitoredResources(
        queue_name="q", dlq_name="d", cluster_name="c", api_service_name="api", worker_service_name="worker",
        load_balancer_arn_suffix="app/l/1", target_group_arn_suffix="targetgroup/t/1"), thresholds=AlarmThresholds())

    assert {a.args["name"] for a in found} >= {"p-queue-depth", "p-dlq-not-empty"}


@pytest.fixture(scope="module")
def dashboard(dev) -> dict:
    return json.loads(dev.one("aws:cloudwatch/dashboard:Dashboard").inputs["dashboardBody"])


def test_dashboard_shows_the_queue_and_dead_letter_queue(dashboard):
    rows = [row for w in dashboard["widgets"] for row in w["properties"].get("metrics", [])]

    assert ["AWS/SQS", "ApproximateNumberOfMessagesVisible", "QueueName", "healthkit-dev-apple-health-imports-dlq",
            {"label": "dead-letter", "color": "#d62728"}] in rows


def test_dashboard_shows_both_services(dashboard):
    titles = {w["properties"].get("title") for w in dashboard["widgets"]}

    assert {"Services: running tasks", "Services: CPU (%)", "Services: memory (%)", "API: response time (s)"} <= titles


def test_dashboard_shows_every_app_emf_metric_from_the_configured_namespace(dashboard):
    searches = [row[0]["expression"] for w in dashboard["widgets"] for row in w["properties"].get("metrics", [])
                if isinstance(row[0], dict)]

    assert len(searches) == len(APP_METRICS)
    for metric, stat in APP_METRICS:
        assert f"SEARCH('{{HealthKitImport,Environment,ServiceName}} MetricName=\"{metric}\"', '{stat}', 300)" in searches

