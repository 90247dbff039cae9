"""What each pulumi_aws resource would send to AWS, and whether AWS would accept it.

:func:`requests_for` maps a resource's inputs (engine property names, as recorded by
``proof.mockrun``) to the AWS API calls the provider makes to create it (e.g. an
``aws:sqs/queue:Queue`` becomes sqs ``CreateQueue`` with its ``Attributes``).
:func:`validate_request` checks a request against botocore's service model for that operation:
botocore's own ``ParamValidator`` (types, required and unknown members) plus what it leaves out
(enum values, including map keys such as SQS attribute names, and ``max`` lengths/ranges), plus
the documented value rules of a few string-typed payloads (SQS attribute values, alarm and
scaling-policy structure, dashboard and lifecycle JSON).

Each mapper consumes every input it knows and fails on any it does not, so a new argument in a
component cannot slip past the validation unmapped.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import botocore.session
from botocore.validate import ParamValidator

__all__ = ["ApiRequest", "UnmappedInputError", "requests_for", "validate_request", "mapped_types"]


@dataclass(frozen=True)
class ApiRequest:
    """One AWS API call: botocore service name, operation name, request parameters."""

    service: str
    operation: str
    params: dict


class UnmappedInputError(KeyError):
    """A resource input this module does not know how to send to AWS."""


class _Inputs:
    """Inputs of one resource; each mapper takes what it maps, then :meth:`done` checks none is left."""

    def __init__(self, type_token: str, inputs: Mapping[str, Any]):
        self.type = type_token
        self._left = {k: v for k, v in inputs.items() if v is not None}

    def take(self, key: str, default: Any = None) -> Any:
        return self._left.pop(key, default)

    def has(self, key: str) -> bool:
        return key in self._left

    def done(self, provider_only: tuple[str, ...] = ()) -> None:
        for key in provider_only + ("region",):
            self._left.pop(key, None)
        if self._left:
            raise UnmappedInputError(f"{self.type}: no AWS mapping for inputs {sorted(self._left)}")


def _compact(d: dict) -> dict:
    """Drop None values (and empty containers) like the provider does."""
    return {k: v for k, v in d.items() if v is not None and v != [] and v != {}}


def _tags_kv(tags: Mapping[str, str] | None, key: str = "Key", value: str = "Value") -> list | None:
    return [{key: k, value: v} for k, v in sorted((tags or {}).items())] or None


def _bool_str(value: Any) -> str:
    return "true" if value else "false"


# --- SQS ----------------------------------------------------------------------------------------

_SQS_ATTRIBUTES = {
    "visibilityTimeoutSeconds": "VisibilityTimeout",
    "receiveWaitTimeSeconds": "ReceiveMessageWaitTimeSeconds",
    "messageRetentionSeconds": "MessageRetentionPeriod",
    "delaySeconds": "DelaySeconds",
    "maxMessageSize": "MaximumMessageSize",
    "redrivePolicy": "RedrivePolicy",
    "redriveAllowPolicy": "RedriveAllowPolicy",
    "policy": "Policy",
    "sqsManagedSseEnabled": "SqsManagedSseEnabled",
    "kmsMasterKeyId": "KmsMasterKeyId",
    "kmsDataKeyReusePeriodSeconds": "KmsDataKeyReusePeriodSeconds",
    "fifoQueue": "FifoQueue",
    "contentBasedDeduplication": "ContentBasedDeduplication",
    "deduplicationScope": "DeduplicationScope",
    "fifoThroughputLimit": "FifoThroughputLimit",
}


def sqs_attributes(inputs: _Inputs) -> dict[str, str]:
    """Queue inputs -> SQS attribute map (all values strings, as the API wants them)."""
    attributes = {}
    for key, attribute in _SQS_ATTRIBUTES.items():
        if inputs.has(key):
            value = inputs.take(key)
            attributes[attribute] = _bool_str(value) if isinstance(value, bool) else str(value)
    return attributes


def _sqs_queue(name: str, i: _Inputs) -> list[ApiRequest]:
    queue_name = i.take("name") or name
    i.take("namePrefix")
    attributes = sqs_attributes(i)
    tags = i.take("tags")
    i.done()
    return [ApiRequest("sqs", "CreateQueue", _compact(
        {"QueueName": queue_name, "Attributes": attributes, "tags": tags}))]


def _sqs_queue_policy(name: str, i: _Inputs) -> list[ApiRequest]:
    url, policy = i.take("queueUrl"), i.take("policy")
    i.done()
    return [ApiRequest("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"Policy": policy}})]


def _sqs_redrive_allow(name: str, i: _Inputs) -> list[ApiRequest]:
    url, policy = i.take("queueUrl"), i.take("redriveAllowPolicy")
    i.done()
    return [ApiRequest("sqs", "SetQueueAttributes", {"QueueUrl": url, "Attributes": {"RedriveAllowPolicy": policy}})]


# --- ECR ----------------------------------------------------------------------------------------

def _ecr_repository(name: str, i: _Inputs) -> list[ApiRequest]:
    scan = i.take("imageScanningConfiguration") or {}
    encryption = (i.take("encryptionConfigurations") or [None])[0]
    params = _compact({
        "repositoryName": i.take("name") or name,
        "imageTagMutability": i.take("imageTagMutability"),
        "imageScanningConfiguration": _compact({"scanOnPush": scan.get("scanOnPush")}) or None,
        "encryptionConfiguration": _compact({
            "encryptionType": encryption.get("encryptionType"), "kmsKey": encryption.get("kmsKey")}) if encryption else None,
        "tags": _tags_kv(i.take("tags")),
    })
    i.done(provider_only=("forceDelete",))
    return [ApiRequest("ecr", "CreateRepository", params)]


def _ecr_lifecycle(name: str, i: _Inputs) -> list[ApiRequest]:
    params = {"repositoryName": i.take("repository"), "lifecyclePolicyText": i.take("policy")}
    i.done()
    return [ApiRequest("ecr", "PutLifecyclePolicy", params)]


# --- ECS ----------------------------------------------------------------------------------------

def _capacity_strategy(items: list | None) -> list | None:
    return [_compact({"capacityProvider": c.get("capacityProvider"), "weight": c.get("weight"),
                      "base": c.get("base")}) for c in items or []] or None


def _ecs_cluster(name: str, i: _Inputs) -> list[ApiRequest]:
    params = _compact({
        "clusterName": i.take("name") or name,
        "settings": [{"name": s["name"], "value": s["value"]} for s in i.take("settings") or []],
        "tags": _tags_kv(i.take("tags"), "key", "value"),
    })
    i.done()
    return [ApiRequest("ecs", "CreateCluster", params)]


def _ecs_capacity_providers(name: str, i: _Inputs) -> list[ApiRequest]:
    params = {
        "cluster": i.take("clusterName"),
        "capacityProviders": i.take("capacityProviders") or [],
        "defaultCapacityProviderStrategy": _capacity_strategy(i.take("defaultCapacityProviderStrategies")) or [],
    }
    i.done()
    return [ApiRequest("ecs", "PutClusterCapacityProviders", params)]


def _ecs_task_definition(name: str, i: _Inputs) -> list[ApiRequest]:
    platform = i.take("runtimePlatform")
    params = _compact({
        "family": i.take("family"),
        "containerDefinitions": json.loads(i.take("containerDefinitions")),
        "cpu": i.take("cpu"),
        "memory": i.take("memory"),
        "networkMode": i.take("networkMode"),
        "requiresCompatibilities": i.take("requiresCompatibilities"),
        "runtimePlatform": _compact({
            "cpuArchitecture": platform.get("cpuArchitecture"),
            "operatingSystemFamily": platform.get("operatingSystemFamily")}) if platform else None,
        "executionRoleArn": i.take("executionRoleArn"),
        "taskRoleArn": i.take("taskRoleArn"),
        "ephemeralStorage": ({"sizeInGiB": i.take("ephemeralStorage")["sizeInGib"]}
                             if i.has("ephemeralStorage") else None),
        "tags": _tags_kv(i.take("tags"), "key", "value"),
    })
    i.done(provider_only=("skipDestroy", "trackLatest"))
    return [ApiRequest("ecs", "RegisterTaskDefinition", params)]


def _ecs_service(name: str, i: _Inputs) -> list[ApiRequest]:
    network = i.take("networkConfiguration")
    breaker = i.take("deploymentCircuitBreaker")
    deployment = _compact({
        "deploymentCircuitBreaker": _compact({"enable": breaker.get("enable"), "rollback": breaker.get("rollback")})
        if breaker else None,
        "maximumPercent": i.take("deploymentMaximumPercent"),
        "minimumHealthyPercent": i.take("deploymentMinimumHealthyPercent"),
    })
    params = _compact({
        "serviceName": i.take("name") or name,
        "cluster": i.take("cluster"),
        "taskDefinition": i.take("taskDefinition"),
        "desiredCount": i.take("desiredCount"),
        "launchType": i.take("launchType"),
        "capacityProviderStrategy": _capacity_strategy(i.take("capacityProviderStrategies")),
        "platformVersion": i.take("platformVersion"),
        "networkConfiguration": {"awsvpcConfiguration": _compact({
            "subnets": network.get("subnets"),
            "securityGroups": network.get("securityGroups"),
            "assignPublicIp": "ENABLED" if network.get("assignPublicIp") else "DISABLED",
        })} if network else None,
        "loadBalancers": [_compact({
            "targetGroupArn": lb.get("targetGroupArn"), "containerName": lb.get("containerName"),
            "containerPort": lb.get("containerPort")}) for lb in i.take("loadBalancers") or []],
        "healthCheckGracePeriodSeconds": i.take("healthCheckGracePeriodSeconds"),
        "deploymentConfiguration": deployment,
        "enableECSManagedTags": i.take("enableEcsManagedTags"),
        "propagateTags": i.take("propagateTags"),
        "enableExecuteCommand": i.take("enableExecuteCommand"),
        "tags": _tags_kv(i.take("tags"), "key", "value"),
    })
    i.done(provider_only=("waitForSteadyState", "forceNewDeployment", "forceDelete", "triggers"))
    return [ApiRequest("ecs", "CreateService", params)]


# --- Load balancing -----------------------------------------------------------------------------

def _lb(name: str, i: _Inputs) -> list[ApiRequest]:
    lb_name = i.take("name") or name
    create = _compact({
        "Name": lb_name,
        "Subnets": i.take("subnets"),
        "SecurityGroups": i.take("securityGroups"),
        "Scheme": "internal" if i.take("internal") else "internet-facing",
        "Type": i.take("loadBalancerType", "application"),
        "IpAddressType": i.take("ipAddressType"),
        "Tags": _tags_kv(i.take("tags")),
    })
    attributes = []
    for key, attribute in (("idleTimeout", "idle_timeout.timeout_seconds"),
                           ("dropInvalidHeaderFields", "routing.http.drop_invalid_header_fields.enabled"),
                           ("enableDeletionProtection", "deletion_protection.enabled"),
                           ("enableHttp2", "routing.http2.enabled")):
        if i.has(key):
            value = i.take(key)
            attributes.append({"Key": attribute, "Value": _bool_str(value) if isinstance(value, bool) else str(value)})
    i.done()
    arn = f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{lb_name}/0"
    return [ApiRequest("elbv2", "CreateLoadBalancer", create),
            ApiRequest("elbv2", "ModifyLoadBalancerAttributes", {"LoadBalancerArn": arn, "Attributes": attributes})]


def _target_group(name: str, i: _Inputs) -> list[ApiRequest]:
    hc = i.take("healthCheck") or {}
    tg_name = i.take("name") or name
    create = _compact({
        "Name": tg_name,
        "Protocol": i.take("protocol"),
        "Port": i.take("port"),
        "VpcId": i.take("vpcId"),
        "TargetType": i.take("targetType"),
        "HealthCheckEnabled": hc.get("enabled"),
        "HealthCheckPath": hc.get("path"),
        "HealthCheckProtocol": hc.get("protocol"),
        "HealthCheckPort": hc.get("port"),
        "HealthCheckIntervalSeconds": hc.get("interval"),
        "HealthCheckTimeoutSeconds": hc.get("timeout"),
        "HealthyThresholdCount": hc.get("healthyThreshold"),
        "UnhealthyThresholdCount": hc.get("unhealthyThreshold"),
        "Matcher": {"HttpCode": hc["matcher"]} if hc.get("matcher") else None,
        "Tags": _tags_kv(i.take("tags")),
    })
    attributes = []
    if i.has("deregistrationDelay"):
        attributes.append({"Key": "deregistration_delay.timeout_seconds", "Value": str(i.take("deregistrationDelay"))})
    i.done()
    arn = f"arn:aws:elasticloadbalancing:us-east-1:123456789012:targetgroup/{tg_name}/0"
    return [ApiRequest("elbv2", "CreateTargetGroup", create),
            ApiRequest("elbv2", "ModifyTargetGroupAttributes", {"TargetGroupArn": arn, "Attributes": attributes})]


def _listener_actions(raw_actions: list[dict]) -> list[dict]:
    """A listener's or a rule's actions: forward, redirect, fixed-response."""
    actions = []
    for a in raw_actions:
        redirect, fixed = a.get("redirect"), a.get("fixedResponse")
        actions.append(_compact({
            "Type": a.get("type"),
            "TargetGroupArn": a.get("targetGroupArn"),
            "Order": a.get("order"),
            "RedirectConfig": _compact({
                "Protocol": redirect.get("protocol"), "Port": redirect.get("port"), "Host": redirect.get("host"),
                "Path": redirect.get("path"), "Query": redirect.get("query"), "StatusCode": redirect.get("statusCode"),
            }) if redirect else None,
            "FixedResponseConfig": _compact({
                "StatusCode": fixed.get("statusCode"), "ContentType": fixed.get("contentType"),
                "MessageBody": fixed.get("messageBody"),
            }) if fixed else None,
        }))
    return actions


def _listener_rule(name: str, i: _Inputs) -> list[ApiRequest]:
    conditions = []
    for c in i.take("conditions") or []:
        path, source = c.get("pathPattern"), c.get("sourceIp")
        conditions.append(_compact({
            "Field": "path-pattern" if path else "source-ip",
            "PathPatternConfig": {"Values": path["values"]} if path else None,
            "SourceIpConfig": {"Values": source["values"]} if source else None,
        }))
    params = _compact({
        "ListenerArn": i.take("listenerArn"),
        "Priority": i.take("priority"),
        "Conditions": conditions,
        "Actions": _listener_actions(i.take("actions") or []),
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("elbv2", "CreateRule", params)]


def _listener(name: str, i: _Inputs) -> list[ApiRequest]:
    actions = _listener_actions(i.take("defaultActions") or [])
    certificate = i.take("certificateArn")
    params = _compact({
        "LoadBalancerArn": i.take("loadBalancerArn"),
        "Protocol": i.take("protocol"),
        "Port": i.take("port"),
        "SslPolicy": i.take("sslPolicy"),
        "Certificates": [{"CertificateArn": certificate}] if certificate else None,
        "DefaultActions": actions,
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("elbv2", "CreateListener", params)]


# --- EC2 security groups ------------------------------------------------------------------------

def _security_group(name: str, i: _Inputs) -> list[ApiRequest]:
    tags = i.take("tags")
    params = _compact({
        "GroupName": i.take("name") or name,
        "Description": i.take("description", "Managed by Pulumi"),
        "VpcId": i.take("vpcId"),
        "TagSpecifications": [{"ResourceType": "security-group", "Tags": _tags_kv(tags)}] if tags else None,
    })
    i.done(provider_only=("revokeRulesOnDelete",))
    return [ApiRequest("ec2", "CreateSecurityGroup", params)]


def _security_group_rule(operation: str) -> Callable[[str, _Inputs], list[ApiRequest]]:
    def mapper(name: str, i: _Inputs) -> list[ApiRequest]:
        description = i.take("description")
        permission = _compact({
            "IpProtocol": i.take("ipProtocol"),
            "FromPort": i.take("fromPort"),
            "ToPort": i.take("toPort"),
            "IpRanges": [_compact({"CidrIp": i.take("cidrIpv4"), "Description": description})]
            if i.has("cidrIpv4") else None,
            "Ipv6Ranges": [_compact({"CidrIpv6": i.take("cidrIpv6"), "Description": description})]
            if i.has("cidrIpv6") else None,
            "UserIdGroupPairs": [_compact({"GroupId": i.take("referencedSecurityGroupId"), "Description": description})]
            if i.has("referencedSecurityGroupId") else None,
            "PrefixListIds": [_compact({"PrefixListId": i.take("prefixListId"), "Description": description})]
            if i.has("prefixListId") else None,
        })
        tags = i.take("tags")
        params = _compact({
            "GroupId": i.take("securityGroupId"),
            "IpPermissions": [permission],
            "TagSpecifications": [{"ResourceType": "security-group-rule", "Tags": _tags_kv(tags)}] if tags else None,
        })
        i.done()
        return [ApiRequest("ec2", operation, params)]
    return mapper


# --- IAM ----------------------------------------------------------------------------------------

def _iam_role(name: str, i: _Inputs) -> list[ApiRequest]:
    prefix = i.take("namePrefix")
    params = _compact({
        "RoleName": i.take("name") or (f"{prefix}{'0' * 26}"[:64] if prefix else name),
        "Path": i.take("path"),
        "AssumeRolePolicyDocument": i.take("assumeRolePolicy"),
        "Description": i.take("description"),
        "MaxSessionDuration": i.take("maxSessionDuration"),
        "PermissionsBoundary": i.take("permissionsBoundary"),
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done(provider_only=("forceDetachPolicies",))
    return [ApiRequest("iam", "CreateRole", params)]


def _iam_role_policy(name: str, i: _Inputs) -> list[ApiRequest]:
    params = {"RoleName": i.take("role"), "PolicyName": i.take("name") or name, "PolicyDocument": i.take("policy")}
    i.done()
    return [ApiRequest("iam", "PutRolePolicy", params)]


# --- CloudWatch and logs ------------------------------------------------------------------------

def _dimensions(dims: Mapping[str, str] | None, key: str = "Name", value: str = "Value") -> list | None:
    return [{key: k, value: v} for k, v in sorted((dims or {}).items())] or None


def _metric_alarm(name: str, i: _Inputs) -> list[ApiRequest]:
    metrics = []
    for q in i.take("metricQueries") or []:
        m = q.get("metric")
        metrics.append(_compact({
            "Id": q.get("id"),
            "Expression": q.get("expression"),
            "Label": q.get("label"),
            "ReturnData": q.get("returnData"),
            "Period": q.get("period"),
            "AccountId": q.get("accountId"),
            "MetricStat": _compact({
                "Metric": _compact({"Namespace": m.get("namespace"), "MetricName": m.get("metricName"),
                                    "Dimensions": _dimensions(m.get("dimensions"))}),
                "Period": m.get("period"),
                "Stat": m.get("stat"),
                "Unit": m.get("unit"),
            }) if m else None,
        }))
    params = _compact({
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
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("cloudwatch", "PutMetricAlarm", params)]


def _dashboard(name: str, i: _Inputs) -> list[ApiRequest]:
    params = {"DashboardName": i.take("dashboardName"), "DashboardBody": i.take("dashboardBody")}
    i.done()
    return [ApiRequest("cloudwatch", "PutDashboard", params)]


def _log_group(name: str, i: _Inputs) -> list[ApiRequest]:
    group = i.take("name") or name
    retention = i.take("retentionInDays")
    create = _compact({
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


# --- Application Auto Scaling -------------------------------------------------------------------

def _scalable_target(name: str, i: _Inputs) -> list[ApiRequest]:
    params = _compact({
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
    return _compact({
        "TargetValue": c.get("targetValue"),
        "PredefinedMetricSpecification": _compact({
            "PredefinedMetricType": predefined.get("predefinedMetricType"),
            "ResourceLabel": predefined.get("resourceLabel")}) if predefined else None,
        "CustomizedMetricSpecification": _compact({
            "MetricName": custom.get("metricName"),
            "Namespace": custom.get("namespace"),
            "Dimensions": _name_value(custom.get("dimensions")),
            "Statistic": custom.get("statistic"),
            "Unit": custom.get("unit"),
            "Metrics": [_compact({
                "Id": m.get("id"),
                "Expression": m.get("expression"),
                "Label": m.get("label"),
                "ReturnData": m.get("returnData"),
                "MetricStat": _compact({
                    "Metric": _compact({
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


def _scaling_policy(name: str, i: _Inputs) -> list[ApiRequest]:
    tracking = i.take("targetTrackingScalingPolicyConfiguration")
    params = _compact({
        "PolicyName": i.take("name") or name,
        "ServiceNamespace": i.take("serviceNamespace"),
        "ResourceId": i.take("resourceId"),
        "ScalableDimension": i.take("scalableDimension"),
        "PolicyType": i.take("policyType"),
        "TargetTrackingScalingPolicyConfiguration": target_tracking_configuration(tracking) if tracking else None,
    })
    i.done()
    return [ApiRequest("application-autoscaling", "PutScalingPolicy", params)]


# --- RDS, Secrets Manager, SNS ------------------------------------------------------------------

def _db_instance(name: str, i: _Inputs) -> list[ApiRequest]:
    params = _compact({
        "DBInstanceIdentifier": i.take("identifier") or name,
        "DBInstanceClass": i.take("instanceClass"),
        "Engine": i.take("engine"),
        "EngineVersion": i.take("engineVersion"),
        "AutoMinorVersionUpgrade": i.take("autoMinorVersionUpgrade"),
        "AllocatedStorage": i.take("allocatedStorage"),
        "MaxAllocatedStorage": i.take("maxAllocatedStorage"),
        "StorageType": i.take("storageType"),
        "StorageEncrypted": i.take("storageEncrypted"),
        "KmsKeyId": i.take("kmsKeyId"),
        "DBName": i.take("dbName"),
        "Port": i.take("port"),
        "MasterUsername": i.take("username"),
        "ManageMasterUserPassword": i.take("manageMasterUserPassword"),
        "DBSubnetGroupName": i.take("dbSubnetGroupName"),
        "DBParameterGroupName": i.take("parameterGroupName"),
        "VpcSecurityGroupIds": i.take("vpcSecurityGroupIds"),
        "PubliclyAccessible": i.take("publiclyAccessible"),
        "MultiAZ": i.take("multiAz"),
        "BackupRetentionPeriod": i.take("backupRetentionPeriod"),
        "CopyTagsToSnapshot": i.take("copyTagsToSnapshot"),
        "DeletionProtection": i.take("deletionProtection"),
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done(provider_only=("skipFinalSnapshot", "finalSnapshotIdentifier", "applyImmediately"))
    return [ApiRequest("rds", "CreateDBInstance", params)]


def _db_subnet_group(name: str, i: _Inputs) -> list[ApiRequest]:
    params = _compact({
        "DBSubnetGroupName": i.take("name") or name,
        "DBSubnetGroupDescription": i.take("description", "Managed by Pulumi"),
        "SubnetIds": i.take("subnetIds"),
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("rds", "CreateDBSubnetGroup", params)]


def _db_parameter_group(name: str, i: _Inputs) -> list[ApiRequest]:
    group = i.take("name") or name
    parameters = i.take("parameters") or []
    create = _compact({
        "DBParameterGroupName": group,
        "DBParameterGroupFamily": i.take("family"),
        "Description": i.take("description", "Managed by Pulumi"),
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done(provider_only=("skipDestroy",))
    out = [ApiRequest("rds", "CreateDBParameterGroup", create)]
    if parameters:
        out.append(ApiRequest("rds", "ModifyDBParameterGroup", {
            "DBParameterGroupName": group,
            "Parameters": [{"ParameterName": p["name"], "ParameterValue": str(p["value"]),
                            "ApplyMethod": p.get("applyMethod", "immediate")} for p in parameters],
        }))
    return out


def _secret(name: str, i: _Inputs) -> list[ApiRequest]:
    params = _compact({
        "Name": i.take("name") or name,
        "Description": i.take("description"),
        "KmsKeyId": i.take("kmsKeyId"),
        "Tags": _tags_kv(i.take("tags")),
    })
    i.done(provider_only=("recoveryWindowInDays", "forceOverwriteReplicaSecret"))
    return [ApiRequest("secretsmanager", "CreateSecret", params)]


def _secret_version(name: str, i: _Inputs) -> list[ApiRequest]:
    params = _compact({"SecretId": i.take("secretId"), "SecretString": i.take("secretString"),
                       "VersionStages": i.take("versionStages")})
    i.done()
    return [ApiRequest("secretsmanager", "PutSecretValue", params)]


def _sns_topic(name: str, i: _Inputs) -> list[ApiRequest]:
    attributes = {}
    if i.has("kmsMasterKeyId"):
        attributes["KmsMasterKeyId"] = i.take("kmsMasterKeyId")
    if i.has("displayName"):
        attributes["DisplayName"] = i.take("displayName")
    params = _compact({"Name": i.take("name") or name, "Attributes": attributes, "Tags": _tags_kv(i.take("tags"))})
    i.done()
    return [ApiRequest("sns", "CreateTopic", params)]


def _sns_subscription(name: str, i: _Inputs) -> list[ApiRequest]:
    params = {"TopicArn": i.take("topic"), "Protocol": i.take("protocol"), "Endpoint": i.take("endpoint")}
    i.done(provider_only=("confirmationTimeoutInMinutes", "endpointAutoConfirms"))
    return [ApiRequest("sns", "Subscribe", params)]


_MAPPERS: dict[str, Callable[[str, _Inputs], list[ApiRequest]]] = {
    "aws:sqs/queue:Queue": _sqs_queue,
    "aws:sqs/queuePolicy:QueuePolicy": _sqs_queue_policy,
    "aws:sqs/redriveAllowPolicy:RedriveAllowPolicy": _sqs_redrive_allow,
    "aws:ecr/repository:Repository": _ecr_repository,
    "aws:ecr/lifecyclePolicy:LifecyclePolicy": _ecr_lifecycle,
    "aws:ecs/cluster:Cluster": _ecs_cluster,
    "aws:ecs/clusterCapacityProviders:ClusterCapacityProviders": _ecs_capacity_providers,
    "aws:ecs/taskDefinition:TaskDefinition": _ecs_task_definition,
    "aws:ecs/service:Service": _ecs_service,
    "aws:lb/loadBalancer:LoadBalancer": _lb,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _security_group_rule("AuthorizeSecurityGroupIngress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _security_group_rule("AuthorizeSecurityGroupEgress"),
    "aws:iam/role:Role": _iam_role,
    "aws:iam/rolePolicy:RolePolicy": _iam_role_policy,
    "aws:cloudwatch/metricAlarm:MetricAlarm": _metric_alarm,
    "aws:cloudwatch/dashboard:Dashboard": _dashboard,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:appautoscaling/target:Target": _scalable_target,
    "aws:appautoscaling/policy:Policy": _scaling_policy,
    "aws:rds/instance:Instance": _db_instance,
    "aws:rds/subnetGroup:SubnetGroup": _db_subnet_group,
    "aws:rds/parameterGroup:ParameterGroup": _db_parameter_group,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
    "aws:sns/topic:Topic": _sns_topic,
    "aws:sns/topicSubscription:TopicSubscription": _sns_subscription,
}


def mapped_types() -> frozenset[str]:
    """Type tokens :func:`requests_for` knows."""
    return frozenset(_MAPPERS)


def requests_for(type_token: str, inputs: Mapping[str, Any], name: str = "resource") -> list[ApiRequest]:
    """The AWS API requests creating a resource of ``type_token`` with these inputs.

    ``name`` is the logical name (Pulumi derives unnamed resources' physical names from it).
    Raises :class:`UnmappedInputError` for an unknown type or input.
    """
    mapper = _MAPPERS.get(type_token)
    if mapper is None:
        raise UnmappedInputError(f"no AWS mapping for resource type {type_token}")
    return mapper(name, _Inputs(type_token, inputs))


# --- Validation ---------------------------------------------------------------------------------

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
