"""CloudWatch alarms, dashboards and log groups; Application Auto Scaling targets and policies."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from proof.aws_requests.inputs import ApiRequest, Inputs, UnmappedInputError, compact, tags_kv


def _dimensions(dims: Mapping[str, str] | None, key: str = "Name", value: str = "Value") -> list | None:
    return [{key: k, value: v} for k, v in sorted((dims or {}).items())] or None


def _metric_alarm(name: str, i: Inputs) -> list[ApiRequest]:
    metrics = []
    for q in i.take("metricQueries") or []:
        m = q.get("metric")
        metrics.append(compact({
            "Id": q.get("id"),
            "Expression": q.get("expression"),
            "Label": q.get("label"),
            "ReturnData": q.get("returnData"),
            "Period": q.get("period"),
            "AccountId": q.get("accountId"),
            "MetricStat": compact({
                "Metric": compact({"Namespace": m.get("namespace"), "MetricName": m.get("metricName"),
                                    "Dimensions": _dimensions(m.get("dimensions"))}),
                "Period": m.get("period"),
                "Stat": m.get("stat"),
                "Unit": m.get("unit"),
            }) if m else None,
        }))
    params = compact({
        "AlarmName": i.take("name") or name,
        "AlarmDescription": i.take("alarmDescription"),
        "ActionsEnabled": i.take("actionsEnabled"),
        "OKActions": i.take("okActions"),
        "AlarmActions": i.take("alarmActions"),
        "InsufficientDataActions": i.take("insufficientDataActions"),
        "MetricName": i.take("metricName"),
        "Namespace": i.take("namespace"),
        "Statistic": i.take("statistic"),
        "ExtendedStatistic": i.take("extendedStatistic"),
        "Dimensions": _dimensions(i.take("dimensions")),
        "Period": i.take("period"),
        "Unit": i.take("unit"),
        "EvaluationPeriods": i.take("evaluationPeriods"),
        "DatapointsToAlarm": i.take("datapointsToAlarm"),
        "Threshold": i.take("threshold"),
        "ComparisonOperator": i.take("comparisonOperator"),
        "TreatMissingData": i.take("treatMissingData"),
        "EvaluateLowSampleCountPercentile": i.take("evaluateLowSampleCountPercentiles"),
        "Metrics": metrics,
        "ThresholdMetricId": i.take("thresholdMetricId"),
        "Tags": tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("cloudwatch", "PutMetricAlarm", params)]


def _dashboard(name: str, i: Inputs) -> list[ApiRequest]:
    params = {"DashboardName": i.take("dashboardName"), "DashboardBody": i.take("dashboardBody")}
    i.done()
    return [ApiRequest("cloudwatch", "PutDashboard", params)]


def _log_group(name: str, i: Inputs) -> list[ApiRequest]:
    group = i.take("name") or name
    retention = i.take("retentionInDays")
    create = compact({
        "logGroupName": group,
        "kmsKeyId": i.take("kmsKeyId"),
        "logGroupClass": i.take("logGroupClass"),
        "deletionProtectionEnabled": i.take("deletionProtectionEnabled"),
        "tags": i.take("tags"),
    })
    i.done(provider_only=("skipDestroy",))
    out = [ApiRequest("logs", "CreateLogGroup", create)]
    if retention:
        out.append(ApiRequest("logs", "PutRetentionPolicy", {"logGroupName": group, "retentionInDays": retention}))
    return out


def _scalable_target(name: str, i: Inputs) -> list[ApiRequest]:
    params = compact({
        "ServiceNamespace": i.take("serviceNamespace"),
        "ResourceId": i.take("resourceId"),
        "ScalableDimension": i.take("scalableDimension"),
        "MinCapacity": i.take("minCapacity"),
        "MaxCapacity": i.take("maxCapacity"),
        "RoleARN": i.take("roleArn"),
        "Tags": i.take("tags"),
    })
    i.done()
    return [ApiRequest("application-autoscaling", "RegisterScalableTarget", params)]


def _name_value(dims: list | None) -> list | None:
    return [{"Name": d["name"], "Value": d["value"]} for d in dims or []] or None


def target_tracking_configuration(c: Mapping[str, Any]) -> dict:
    """pulumi_aws target tracking configuration -> PutScalingPolicy's
    ``TargetTrackingScalingPolicyConfiguration``."""
    predefined = c.get("predefinedMetricSpecification")
    custom = c.get("customizedMetricSpecification")
    known = {"targetValue", "predefinedMetricSpecification", "customizedMetricSpecification",
             "scaleInCooldown", "scaleOutCooldown", "disableScaleIn"}
    if set(c) - known:
        raise UnmappedInputError(f"target tracking: no AWS mapping for {sorted(set(c) - known)}")
    return compact({
        "TargetValue": c.get("targetValue"),
        "PredefinedMetricSpecification": compact({
            "PredefinedMetricType": predefined.get("predefinedMetricType"),
            "ResourceLabel": predefined.get("resourceLabel")}) if predefined else None,
        "CustomizedMetricSpecification": compact({
            "MetricName": custom.get("metricName"),
            "Namespace": custom.get("namespace"),
            "Dimensions": _name_value(custom.get("dimensions")),
            "Statistic": custom.get("statistic"),
            "Unit": custom.get("unit"),
            "Metrics": [compact({
                "Id": m.get("id"),
                "Expression": m.get("expression"),
                "Label": m.get("label"),
                "ReturnData": m.get("returnData"),
                "MetricStat": compact({
                    "Metric": compact({
                        "MetricName": m["metricStat"]["metric"].get("metricName"),
                        "Namespace": m["metricStat"]["metric"].get("namespace"),
                        "Dimensions": _name_value(m["metricStat"]["metric"].get("dimensions")),
                    }),
                    "Stat": m["metricStat"].get("stat"),
                    "Unit": m["metricStat"].get("unit"),
                }) if m.get("metricStat") else None,
            }) for m in custom.get("metrics") or []],
        }) if custom else None,
        "ScaleOutCooldown": c.get("scaleOutCooldown"),
        "ScaleInCooldown": c.get("scaleInCooldown"),
        "DisableScaleIn": c.get("disableScaleIn"),
    })


def _scaling_policy(name: str, i: Inputs) -> list[ApiRequest]:
    tracking = i.take("targetTrackingScalingPolicyConfiguration")
    params = compact({
        "PolicyName": i.take("name") or name,
        "ServiceNamespace": i.take("serviceNamespace"),
        "ResourceId": i.take("resourceId"),
        "ScalableDimension": i.take("scalableDimension"),
        "PolicyType": i.take("policyType"),
        "TargetTrackingScalingPolicyConfiguration": target_tracking_configuration(tracking) if tracking else None,
    })
    i.done()
    return [ApiRequest("application-autoscaling", "PutScalingPolicy", params)]


MAPPERS = {
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:appautoscaling/target:Target": _scalable_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
}
