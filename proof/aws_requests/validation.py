"""Whether AWS would accept a request: botocore's service model (its ``ParamValidator`` plus the
enums and maxima it leaves out) and the documented value rules of a few string-typed payloads
(SQS attribute values, alarm and scaling-policy structure, dashboard and lifecycle JSON)."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

from proof.aws_requests.inputs import ApiRequest


_SESSION = botocore.session.get_session()
_VALIDATOR = ParamValidator()


def _strict(value: Any, shape, path: str, problems: list[str]) -> None:
    """What botocore's ParamValidator does not check: enums (values and map keys) and maxima."""
    meta = shape.metadata
    kind = shape.type_name
    if kind == "structure" and isinstance(value, dict):
        for key, member in value.items():
            if key in shape.members:
                _strict(member, shape.members[key], f"{path}.{key}", problems)
    elif kind == "list" and isinstance(value, list):
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} items, at most {meta['max']} allowed")
        for n, item in enumerate(value):
            _strict(item, shape.member, f"{path}[{n}]", problems)
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            _strict(key, shape.key, f"{path} (key {key!r})", problems)
            _strict(item, shape.value, f"{path}.{key}", problems)
    elif kind == "string" and isinstance(value, str):
        if shape.enum and value not in shape.enum:
            problems.append(f"{path}: {value!r} is not one of {shape.enum}")
        if "max" in meta and len(value) > meta["max"]:
            problems.append(f"{path}: {len(value)} characters, at most {meta['max']} allowed")
    elif kind in ("integer", "long", "double", "float") and isinstance(value, (int, float)) and not isinstance(value, bool):
        if "max" in meta and value > meta["max"]:
            problems.append(f"{path}: {value} is above the maximum {meta['max']}")


def _int_in(attributes: Mapping[str, str], key: str, lo: int, hi: int, problems: list[str]) -> None:
    if key in attributes:
        try:
            value = int(attributes[key])
        except ValueError:
            problems.append(f"Attributes.{key}: {attributes[key]!r} is not an integer")
            return
        if not lo <= value <= hi:
            problems.append(f"Attributes.{key}: {value} is outside {lo}..{hi}")


def sqs_attribute_problems(attributes: Mapping[str, str]) -> list[str]:
    """SQS's documented rules for attribute values (they are strings in the API model)."""
    problems: list[str] = []
    _int_in(attributes, "VisibilityTimeout", 0, 43_200, problems)
    _int_in(attributes, "ReceiveMessageWaitTimeSeconds", 0, 20, problems)
    _int_in(attributes, "MessageRetentionPeriod", 60, 1_209_600, problems)
    _int_in(attributes, "DelaySeconds", 0, 900, problems)
    _int_in(attributes, "MaximumMessageSize", 1024, 1_048_576, problems)
    _int_in(attributes, "KmsDataKeyReusePeriodSeconds", 60, 86_400, problems)
    for key in ("SqsManagedSseEnabled", "FifoQueue", "ContentBasedDeduplication"):
        if key in attributes and attributes[key] not in ("true", "false"):
            problems.append(f"Attributes.{key}: {attributes[key]!r} is not true or false")
    if "RedrivePolicy" in attributes:
        try:
            redrive = json.loads(attributes["RedrivePolicy"])
            if set(redrive) != {"deadLetterTargetArn", "maxReceiveCount"}:
                problems.append(f"Attributes.RedrivePolicy: keys {sorted(redrive)} must be deadLetterTargetArn, maxReceiveCount")
            if not str(redrive.get("deadLetterTargetArn", "")).startswith("arn:aws:sqs:"):
                problems.append("Attributes.RedrivePolicy: deadLetterTargetArn is not an SQS queue ARN")
            if not 1 <= int(redrive.get("maxReceiveCount", 0)) <= 1000:
                problems.append("Attributes.RedrivePolicy: maxReceiveCount must be 1..1000")
        except (ValueError, TypeError):
            problems.append("Attributes.RedrivePolicy: not JSON")
    if "RedriveAllowPolicy" in attributes:
        try:
            allow = json.loads(attributes["RedriveAllowPolicy"])
            if allow.get("redrivePermission") not in ("allowAll", "denyAll", "byQueue"):
                problems.append("Attributes.RedriveAllowPolicy: redrivePermission must be allowAll, denyAll or byQueue")
            sources = allow.get("sourceQueueArns", [])
            if allow.get("redrivePermission") == "byQueue" and not 1 <= len(sources) <= 10:
                problems.append("Attributes.RedriveAllowPolicy: byQueue needs 1..10 sourceQueueArns")
        except (ValueError, AttributeError):
            problems.append("Attributes.RedriveAllowPolicy: not JSON")
    if "Policy" in attributes:
        try:
            policy = json.loads(attributes["Policy"])
            if policy.get("Version") != "2012-10-17" or not policy.get("Statement"):
                problems.append("Attributes.Policy: needs Version 2012-10-17 and Statement")
        except (ValueError, AttributeError):
            problems.append("Attributes.Policy: not JSON")
    if attributes.get("SqsManagedSseEnabled") == "true" and "KmsMasterKeyId" in attributes:
        problems.append("Attributes: SqsManagedSseEnabled and KmsMasterKeyId are mutually exclusive")
    return problems


def alarm_problems(p: Mapping[str, Any]) -> list[str]:
    """PutMetricAlarm's documented cross-field rules."""
    problems = []
    metrics = p.get("Metrics")
    if metrics:
        for key in ("MetricName", "Namespace", "Statistic", "ExtendedStatistic", "Dimensions", "Period", "Unit"):
            if key in p:
                problems.append(f"{key} must not be set together with Metrics")
        returning = [m["Id"] for m in metrics if m.get("ReturnData", True)]
        if len(returning) != 1:
            problems.append(f"exactly one of Metrics must have ReturnData true (found {returning})")
        for m in metrics:
            if ("Expression" in m) == ("MetricStat" in m):
                problems.append(f"Metrics[{m.get('Id')}] needs exactly one of Expression and MetricStat")
            if not str(m.get("Id", "")).isidentifier() or not str(m.get("Id", "a"))[0].islower():
                problems.append(f"Metrics[{m.get('Id')}]: Id must start with a lowercase letter")
        periods = [m["MetricStat"]["Period"] for m in metrics if "MetricStat" in m]
        period = max(periods) if periods else 60
    else:
        if "MetricName" not in p or "Namespace" not in p:
            problems.append("MetricName and Namespace are required without Metrics")
        if ("Statistic" in p) == ("ExtendedStatistic" in p):
            problems.append("exactly one of Statistic and ExtendedStatistic is required")
        period = p.get("Period", 0)
        if period not in (10, 20, 30) and period % 60:
            problems.append(f"Period {period} must be 10, 20, 30 or a multiple of 60")
    if "EvaluationPeriods" in p and period * p["EvaluationPeriods"] > 86_400:
        problems.append("Period x EvaluationPeriods must not exceed 86400 seconds")
    if p.get("DatapointsToAlarm", 0) > p.get("EvaluationPeriods", 0):
        problems.append("DatapointsToAlarm must be <= EvaluationPeriods")
    return problems


def scaling_policy_problems(p: Mapping[str, Any]) -> list[str]:
    """PutScalingPolicy's documented rules for target tracking."""
    problems = []
    tt = p.get("TargetTrackingScalingPolicyConfiguration")
    if p.get("PolicyType") == "TargetTrackingScaling":
        if not tt:
            problems.append("TargetTrackingScaling needs TargetTrackingScalingPolicyConfiguration")
            return problems
        if ("PredefinedMetricSpecification" in tt) == ("CustomizedMetricSpecification" in tt):
            problems.append("give exactly one of PredefinedMetricSpecification and CustomizedMetricSpecification")
        predefined = tt.get("PredefinedMetricSpecification") or {}
        if predefined.get("PredefinedMetricType") == "ALBRequestCountPerTarget" and not predefined.get("ResourceLabel"):
            problems.append("ALBRequestCountPerTarget needs a ResourceLabel")
        custom = tt.get("CustomizedMetricSpecification") or {}
        if custom.get("Metrics"):
            if any(k in custom for k in ("MetricName", "Namespace", "Dimensions", "Statistic")):
                problems.append("CustomizedMetricSpecification: Metrics excludes MetricName/Namespace/Dimensions/Statistic")
            returning = [m["Id"] for m in custom["Metrics"] if m.get("ReturnData", True)]
            if len(returning) != 1:
                problems.append(f"CustomizedMetricSpecification: exactly one metric must return data (found {returning})")
        if not tt.get("TargetValue", 0) > 0:
            problems.append("TargetValue must be > 0")
    return problems


def dashboard_problems(body: str) -> list[str]:
    """The dashboard body's documented structure (widgets on a 24-column grid)."""
    try:
        data = json.loads(body)
    except ValueError:
        return ["DashboardBody is not JSON"]
    problems = []
    widgets = data.get("widgets")
    if not isinstance(widgets, list) or not widgets:
        return ["DashboardBody needs a non-empty widgets list"]
    for n, w in enumerate(widgets):
        if w.get("type") not in ("metric", "text", "log", "alarm", "explorer"):
            problems.append(f"widgets[{n}]: unknown type {w.get('type')!r}")
        if w.get("x", 0) + w.get("width", 6) > 24:
            problems.append(f"widgets[{n}]: x + width exceeds 24 columns")
        props = w.get("properties", {})
        if w.get("type") == "metric":
            if not props.get("region") or not props.get("metrics"):
                problems.append(f"widgets[{n}]: metric widgets need region and metrics")
            for row in props.get("metrics", []):
                if not isinstance(row, list) or not row:
                    problems.append(f"widgets[{n}]: a metrics row must be a non-empty array")
                elif isinstance(row[0], dict):
                    if "expression" not in row[0]:
                        problems.append(f"widgets[{n}]: an object row must hold an expression")
                else:
                    names = [x for x in row if not isinstance(x, dict)]
                    if len(names) < 2 or len(names) % 2:
                        problems.append(f"widgets[{n}]: row {row} must be namespace, metric, then name/value pairs")
    return problems


def lifecycle_problems(text: str) -> list[str]:
    """ECR lifecycle policy rules."""
    try:
        rules = json.loads(text)["rules"]
    except (ValueError, KeyError, TypeError):
        return ["lifecyclePolicyText needs a rules list"]
    problems = []
    priorities = [r.get("rulePriority") for r in rules]
    if len(set(priorities)) != len(priorities):
        problems.append("rulePriority values must be unique")
    for r in rules:
        sel = r.get("selection", {})
        if sel.get("tagStatus") not in ("tagged", "untagged", "any"):
            problems.append(f"rule {r.get('rulePriority')}: tagStatus must be tagged, untagged or any")
        if sel.get("countType") not in ("imageCountMoreThan", "sinceImagePushed"):
            problems.append(f"rule {r.get('rulePriority')}: unknown countType")
        if sel.get("countType") == "sinceImagePushed" and sel.get("countUnit") != "days":
            problems.append(f"rule {r.get('rulePriority')}: sinceImagePushed needs countUnit days")
        if r.get("action", {}).get("type") != "expire":
            problems.append(f"rule {r.get('rulePriority')}: action type must be expire")
    if any(r.get("selection", {}).get("tagStatus") == "any" for r in rules):
        top = max(priorities)
        if next(r for r in rules if r.get("selection", {}).get("tagStatus") == "any")["rulePriority"] != top:
            problems.append("a tagStatus any rule must have the highest rulePriority")
    return problems


def validate_request(request: ApiRequest) -> list[str]:
    """Every reason AWS would reject ``request`` that the service model and docs reveal."""
    model = _SESSION.get_service_model(request.service)
    operation = model.operation_model(request.operation)
    report = _VALIDATOR.validate(request.params, operation.input_shape)
    problems = [report.generate_report()] if report.has_errors() else []
    _strict(request.params, operation.input_shape, request.operation, problems)
    p = request.params
    if request.service == "sqs":
        problems += sqs_attribute_problems(p.get("Attributes", {}))
    elif request.operation == "PutMetricAlarm":
        problems += alarm_problems(p)
    elif request.operation == "PutScalingPolicy":
        problems += scaling_policy_problems(p)
    elif request.operation == "PutDashboard":
        problems += dashboard_problems(p.get("DashboardBody", ""))
    elif request.operation == "PutLifecyclePolicy":
        problems += lifecycle_problems(p.get("lifecyclePolicyText", ""))
    return problems
