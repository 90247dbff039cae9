"""Load balancers, target groups, listeners and security groups (rules included)."""

from __future__ import annotations

from collections.abc import Callable

from proof.aws_requests.inputs import ApiRequest, Inputs, bool_str, compact, tags_kv


def _lb(name: str, i: Inputs) -> list[ApiRequest]:
    lb_name = i.take("name") or name
    create = compact({
        "Name": lb_name,
        "Subnets": i.take("subnets"),
        "SecurityGroups": i.take("securityGroups"),
        "Scheme": "internal" if i.take("internal") else "internet-facing",
        "Type": i.take("loadBalancerType", "application"),
        "IpAddressType": i.take("ipAddressType"),
        "Tags": tags_kv(i.take("tags")),
    })
    attributes = []
    for key, attribute in (("idleTimeout", "idle_timeout.timeout_seconds"),
                           ("dropInvalidHeaderFields", "routing.http.drop_invalid_header_fields.enabled"),
                           ("enableDeletionProtection", "deletion_protection.enabled"),
                           ("enableHttp2", "routing.http2.enabled")):
        if i.has(key):
            value = i.take(key)
            attributes.append({"Key": attribute, "Value": bool_str(value) if isinstance(value, bool) else str(value)})
    i.done()
    arn = f"arn:aws:elasticloadbalancing:us-east-1:123456789012:loadbalancer/app/{lb_name}/0"
    return [ApiRequest("elbv2", "CreateLoadBalancer", create),
            ApiRequest("elbv2", "ModifyLoadBalancerAttributes", {"LoadBalancerArn": arn, "Attributes": attributes})]


def _target_group(name: str, i: Inputs) -> list[ApiRequest]:
    hc = i.take("healthCheck") or {}
    tg_name = i.take("name") or name
    create = compact({
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
        "Tags": tags_kv(i.take("tags")),
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
        actions.append(compact({
            "Type": a.get("type"),
            "TargetGroupArn": a.get("targetGroupArn"),
            "Order": a.get("order"),
            "RedirectConfig": compact({
                "Protocol": redirect.get("protocol"), "Port": redirect.get("port"), "Host": redirect.get("host"),
                "Path": redirect.get("path"), "Query": redirect.get("query"), "StatusCode": redirect.get("statusCode"),
            }) if redirect else None,
            "FixedResponseConfig": compact({
                "StatusCode": fixed.get("statusCode"), "ContentType": fixed.get("contentType"),
                "MessageBody": fixed.get("messageBody"),
            }) if fixed else None,
        }))
    return actions


def _listener_rule(name: str, i: Inputs) -> list[ApiRequest]:
    conditions = []
    for c in i.take("conditions") or []:
        path, source = c.get("pathPattern"), c.get("sourceIp")
        conditions.append(compact({
            "Field": "path-pattern" if path else "source-ip",
            "PathPatternConfig": {"Values": path["values"]} if path else None,
            "SourceIpConfig": {"Values": source["values"]} if source else None,
        }))
    params = compact({
        "ListenerArn": i.take("listenerArn"),
        "Priority": i.take("priority"),
        "Conditions": conditions,
        "Actions": _listener_actions(i.take("actions") or []),
        "Tags": tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("elbv2", "CreateRule", params)]


def _listener(name: str, i: Inputs) -> list[ApiRequest]:
    actions = _listener_actions(i.take("defaultActions") or [])
    certificate = i.take("certificateArn")
    params = compact({
        "LoadBalancerArn": i.take("loadBalancerArn"),
        "Protocol": i.take("protocol"),
        "Port": i.take("port"),
        "SslPolicy": i.take("sslPolicy"),
        "Certificates": [{"CertificateArn": certificate}] if certificate else None,
        "DefaultActions": actions,
        "Tags": tags_kv(i.take("tags")),
    })
    i.done()
    return [ApiRequest("elbv2", "CreateListener", params)]


def _security_group(name: str, i: Inputs) -> list[ApiRequest]:
    tags = i.take("tags")
    params = compact({
        "GroupName": i.take("name") or name,
        "Description": i.take("description", "Managed by Pulumi"),
        "VpcId": i.take("vpcId"),
        "TagSpecifications": [{"ResourceType": "security-group", "Tags": tags_kv(tags)}] if tags else None,
    })
    i.done(provider_only=("revokeRulesOnDelete",))
    return [ApiRequest("ec2", "CreateSecurityGroup", params)]


def _security_group_rule(operation: str) -> Callable[[str, Inputs], list[ApiRequest]]:
    def mapper(name: str, i: Inputs) -> list[ApiRequest]:
        description = i.take("description")
        permission = compact({
            "IpProtocol": i.take("ipProtocol"),
            "FromPort": i.take("fromPort"),
            "ToPort": i.take("toPort"),
            "IpRanges": [compact({"CidrIp": i.take("cidrIpv4"), "Description": description})]
            if i.has("cidrIpv4") else None,
            "Ipv6Ranges": [compact({"CidrIpv6": i.take("cidrIpv6"), "Description": description})]
            if i.has("cidrIpv6") else None,
            "UserIdGroupPairs": [compact({"GroupId": i.take("referencedSecurityGroupId"), "Description": description})]
            if i.has("referencedSecurityGroupId") else None,
            "PrefixListIds": [compact({"PrefixListId": i.take("prefixListId"), "Description": description})]
            if i.has("prefixListId") else None,
        })
        tags = i.take("tags")
        params = compact({
            "GroupId": i.take("securityGroupId"),
            "IpPermissions": [permission],
            "TagSpecifications": [{"ResourceType": "security-group-rule", "Tags": tags_kv(tags)}] if tags else None,
        })
        i.done()
        return [ApiRequest("ec2", operation, params)]
    return mapper


MAPPERS = {
    "aws:lb/loadBalancer:LoadBalancer": _lb,
    "aws:lb/targetGroup:TargetGroup": _target_group,
    "aws:lb/listener:Listener": _listener,
    "aws:lb/listenerRule:ListenerRule": _listener_rule,
    "aws:ec2/securityGroup:SecurityGroup": _security_group,
    "aws:vpc/securityGroupIngressRule:SecurityGroupIngressRule": _security_group_rule("AuthorizeSecurityGroupIngress"),
    "aws:vpc/securityGroupEgressRule:SecurityGroupEgressRule": _security_group_rule("AuthorizeSecurityGroupEgress"),
}
