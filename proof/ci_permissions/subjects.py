"""What each recorded resource is to IAM: its Terraform type, the ARNs of every IAM resource type its
API calls touch, the tags those resources carry, and the request facts (condition key values) that
follow from its configuration.

A ``Subject`` says nothing about which actions are called (that is pike's data) nor which resource
types an action is authorized against (that is the IAM dataset's): it only binds the dataset's
resource types (``rds:og``, ``ec2:security-group-rule``...) to this stack's concrete ARNs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field

from proof.ci_permissions.terraform import NO_AWS_CALLS, RESOURCE_TYPES

Tags = dict[str, str] | None


@dataclass
class Subject:
    """One Terraform resource (or data source, or push) as IAM sees it."""

    terraform_type: str
    name: str
    """The Pulumi logical name (or the component's child name)."""
    own: str
    """The IAM resource type this resource is (``ec2:security-group``), or "" (an attachment, a policy)."""
    arns: dict[str, list[str]]
    """IAM resource type -> the ARNs of this stack's resources of that type the calls touch."""
    tags: dict[str, Tags] = field(default_factory=dict)
    """IAM resource type -> the tags its resources carry (None: untagged or not ours)."""
    request_tags: Tags = None
    """Tags this resource is created with (aws:RequestTag)."""
    facts: dict[str, str | list[str]] = field(default_factory=dict)
    """Condition key -> value this configuration implies (iam:PassedToService, ...)."""
    attributes: set[str] = field(default_factory=set)
    """Terraform attributes that are set (pike's attribute actions apply to these)."""
    excluded: dict[str, str] = field(default_factory=dict)
    """Action -> why this configuration never calls it (pike lists it for an option not used)."""
    resource_policies: dict[str, dict] = field(default_factory=dict)
    """ARN -> the resource policy AWS evaluates with identity policies (a KMS key's key policy)."""


@dataclass(frozen=True)
class Context:
    """What a subject needs to know about the run it comes from."""

    account: str
    region: str
    default_tags: dict[str, str]
    """The provider's default tags (``aws:defaultTags``): on every taggable resource."""
    role_arns: dict[str, str] = field(default_factory=dict)
    """role name -> ARN (for policies naming a role by name)."""
    key_arns: dict[str, str] = field(default_factory=dict)
    """KMS key id -> ARN."""
    existing_vpc: bool = False
    """The VPC (and its subnets) are the user's: untagged as far as this stack knows."""
    vpc_arn: str = ""
    repository_tags: Tags = None
    key_policies: dict[str, dict] = field(default_factory=dict)
    """KMS key ARN -> its key policy (absent: the default key policy)."""
    role_boundaries: dict[str, str] = field(default_factory=dict)
    """role name -> its permissions boundary ARN."""
    vpc_tags: Tags = None
    scalable_targets: dict[str, str] = field(default_factory=dict)
    """resourceId (``service/<cluster>/<service>``) -> the scalable target's ARN."""


def _arn(ctx: Context, service: str, resource: str, region: bool = True) -> str:
    return f"arn:aws:{service}:{ctx.region if region else ''}:{ctx.account}:{resource}"


def _effective_tags(ctx: Context, inputs: dict) -> Tags:
    tags = {**ctx.default_tags, **(inputs.get("tags") or {})}
    return tags or None


def _attributes(inputs: dict) -> set[str]:
    from proof.ci_permissions.pike import snake

    return {snake(k) for k, v in inputs.items() if v not in (None, "", [], {}, False)}


def _id(*parts: str, n: int = 17) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()[:n]


# --- bindings per Terraform type ---------------------------------------------------------------------

def _named(service: str, kind: str, pattern: str, key: str = "name") -> Callable:
    def bind(r, ctx):
        name = r.outputs.get(key) or r.inputs.get(key) or r.id
        return {f"{service}:{kind}": [_arn(ctx, service, pattern.format(name=name))]}, f"{service}:{kind}"
    return bind


def _queue_of_url(r, ctx):
    name = str(r.inputs.get("queueUrl") or r.id).rsplit("/", 1)[-1]
    return {"sqs:queue": [_arn(ctx, "sqs", name)]}, ""


def _secret(r, ctx):
    return {"secretsmanager:Secret": [r.outputs["arn"]]}, "secretsmanager:Secret"


def _secret_version(r, ctx):
    return {"secretsmanager:Secret": [r.inputs["secretId"]]}, ""


def _role(r, ctx):
    return {"iam:role": [r.outputs["arn"]]}, "iam:role"


def _role_policy(r, ctx):
    role = str(r.inputs["role"])
    return {"iam:role": [ctx.role_arns.get(role, f"arn:aws:iam::{ctx.account}:role/{role}")]}, ""


def _role_policy_attachment(r, ctx):
    role = str(r.inputs["role"])
    return {"iam:role": [ctx.role_arns.get(role, f"arn:aws:iam::{ctx.account}:role/{role}")],
            "iam:policy": [r.inputs["policyArn"]]}, ""


def _iam_policy(r, ctx):
    return {"iam:policy": [r.outputs.get("arn") or f"arn:aws:iam::{ctx.account}:policy/{r.inputs['name']}"]}, \
        "iam:policy"


def _task_definition(r, ctx):
    arns = {"ecs:task-definition": [r.outputs["arn"]],
            "iam:role": [r.inputs[k] for k in ("executionRoleArn", "taskRoleArn") if r.inputs.get(k)]}
    return arns, "ecs:task-definition"


def _service(r, ctx):
    return {"ecs:service": [r.outputs["arn"]], "ecs:cluster": [r.inputs["cluster"]],
            "ecs:task-definition": [r.inputs["taskDefinition"]]}, "ecs:service"


def _capacity_providers(r, ctx):
    return {"ecs:cluster": [_arn(ctx, "ecs", f"cluster/{r.inputs['clusterName']}")]}, ""


def _scaling(r, ctx):
    resource_id = str(r.inputs.get("resourceId"))
    target = ctx.scalable_targets.get(resource_id) or _arn(
        ctx, "application-autoscaling", f"scalable-target/{_id(resource_id, n=20)}")
    # target tracking alarms: made by Application Auto Scaling, named after the service
    alarm = _arn(ctx, "cloudwatch", f"alarm:TargetTracking-{resource_id}-AlarmHigh-"
                                    "00000000-0000-0000-0000-000000000000")
    return {"application-autoscaling:ScalableTarget": [target], "cloudwatch:alarm": [alarm]}, \
        "application-autoscaling:ScalableTarget" if r.type.endswith("target:Target") else ""


def _security_group(r, ctx):
    return {"ec2:security-group": [r.outputs["arn"]], "ec2:vpc": [_arn(ctx, "ec2", f"vpc/{r.inputs['vpcId']}")]}, \
        "ec2:security-group"


def _security_group_rule(r, ctx):
    groups = [r.inputs["securityGroupId"]] + ([r.inputs["referencedSecurityGroupId"]]
                                              if r.inputs.get("referencedSecurityGroupId") else [])
    return {"ec2:security-group": [_arn(ctx, "ec2", f"security-group/{g}") for g in groups],
            "ec2:security-group-rule": [r.outputs["arn"]]}, "ec2:security-group-rule"


def _load_balancer(r, ctx):
    return {"elasticloadbalancing:loadbalancer/app/": [r.outputs["arn"]]}, "elasticloadbalancing:loadbalancer/app/"


def _target_group(r, ctx):
    return {"elasticloadbalancing:targetgroup": [r.outputs["arn"]]}, "elasticloadbalancing:targetgroup"


def _listener(r, ctx):
    return {"elasticloadbalancing:listener/app": [r.outputs["arn"]],
            "elasticloadbalancing:loadbalancer/app/": [r.inputs["loadBalancerArn"]]}, "elasticloadbalancing:listener/app"


def _listener_rule(r, ctx):
    target_groups = [a["targetGroupArn"] for a in r.inputs.get("actions", []) if a.get("targetGroupArn")]
    arns = {"elasticloadbalancing:listener-rule/app": [r.outputs["arn"]],
            "elasticloadbalancing:listener/app": [r.inputs["listenerArn"]]}
    if target_groups:
        arns["elasticloadbalancing:targetgroup"] = target_groups
    return arns, "elasticloadbalancing:listener-rule/app"


def _db_instance(r, ctx):
    ident = r.inputs["identifier"]
    major = str(r.inputs.get("engineVersion", "")).split(".")[0]
    arns = {
        "rds:db": [r.outputs["arn"]],
        "rds:pg": [_arn(ctx, "rds", f"pg:{r.inputs['parameterGroupName']}")],
        "rds:subgrp": [_arn(ctx, "rds", f"subgrp:{r.inputs['dbSubnetGroupName']}")],
        # No option group is named, so RDS uses (and authorizes against) the engine's default one.
        "rds:og": [_arn(ctx, "rds", f"og:default:{r.inputs['engine']}-{major}")],
        "iam:role": [f"arn:aws:iam::{ctx.account}:role/aws-service-role/rds.amazonaws.com/AWSServiceRoleForRDS"],
    }
    if r.inputs.get("finalSnapshotIdentifier"):
        arns["rds:snapshot"] = [_arn(ctx, "rds", f"snapshot:{r.inputs['finalSnapshotIdentifier']}")]
    managed = [s["secretArn"] for s in r.outputs.get("masterUserSecrets") or []]
    if managed:
        arns["secretsmanager:Secret"] = managed
    del ident
    return arns, "rds:db"


def _log_group(r, ctx):
    name = r.outputs.get("name") or r.inputs["name"]
    return {"logs:log-group": [_arn(ctx, "logs", f"log-group:{name}")]}, "logs:log-group"


def _dashboard(r, ctx):
    return {"cloudwatch:dashboard": [_arn(ctx, "cloudwatch", f"dashboard/{r.inputs['dashboardName']}", region=False)]}, \
        "cloudwatch:dashboard"


def _topic_subscription(r, ctx):
    return {"sns:topic": [r.inputs["topic"]]}, ""


def _bucket(r, ctx):
    bucket = r.inputs.get("bucket") or r.outputs.get("bucket") or r.id
    return {"s3:bucket": [f"arn:aws:s3:::{bucket}"]}, "s3:bucket" if r.type.endswith("bucket:Bucket") else ""


def _kms_key(r, ctx):
    return {"kms:key": [r.outputs.get("arn") or _arn(ctx, "kms", f"key/{_id(r.name, n=36)}")]}, "kms:key"


def default_key_policy(account: str) -> dict:
    """The key policy KMS gives a key created without one: IAM policies of the account decide
    (AWS KMS Developer Guide, "Default key policy")."""
    return {"Version": "2012-10-17", "Statement": [{
        "Sid": "Enable IAM User Permissions", "Effect": "Allow",
        "Principal": {"AWS": f"arn:aws:iam::{account}:root"}, "Action": "kms:*", "Resource": "*"}]}


def _kms_alias(r, ctx):
    key = ctx.key_arns.get(str(r.inputs["targetKeyId"]), r.inputs["targetKeyId"])
    return {"kms:alias": [_arn(ctx, "kms", r.inputs["name"])],
            "kms:key": [key if str(key).startswith("arn:") else _arn(ctx, "kms", f"key/{key}")]}, "kms:alias"


def _oidc_provider(r, ctx):
    host = str(r.inputs["url"]).removeprefix("https://")
    return {"iam:oidc-provider": [f"arn:aws:iam::{ctx.account}:oidc-provider/{host}"]}, "iam:oidc-provider"


BINDINGS: dict[str, Callable] = {
    "aws_sqs_queue": _named("sqs", "queue", "{name}"),
    "aws_sqs_queue_policy": _queue_of_url,
    "aws_sqs_queue_redrive_allow_policy": _queue_of_url,
    "aws_ecs_cluster": _named("ecs", "cluster", "cluster/{name}"),
    "aws_ecs_cluster_capacity_providers": _capacity_providers,
    "aws_ecs_task_definition": _task_definition,
    "aws_ecs_service": _service,
    "aws_ecr_repository": _named("ecr", "repository", "repository/{name}"),
    "aws_ecr_lifecycle_policy": _named("ecr", "repository", "repository/{name}", key="repository"),
    "aws_cloudwatch_log_group": _log_group,
    "aws_cloudwatch_metric_alarm": _named("cloudwatch", "alarm", "alarm:{name}"),
    "aws_cloudwatch_dashboard": _dashboard,
    "aws_sns_topic": _named("sns", "topic", "{name}"),
    "aws_sns_topic_subscription": _topic_subscription,
    "aws_secretsmanager_secret": _secret,
    "aws_secretsmanager_secret_version": _secret_version,
    "aws_iam_role": _role,
    "aws_iam_role_policy": _role_policy,
    "aws_iam_role_policy_attachment": _role_policy_attachment,
    "aws_iam_policy": _iam_policy,
    "aws_iam_openid_connect_provider": _oidc_provider,
    "aws_appautoscaling_target": _scaling,
    "aws_appautoscaling_policy": _scaling,
    "aws_security_group": _security_group,
    "aws_vpc_security_group_ingress_rule": _security_group_rule,
    "aws_vpc_security_group_egress_rule": _security_group_rule,
    "aws_lb": _load_balancer,
    "aws_lb_target_group": _target_group,
    "aws_lb_listener": _listener,
    "aws_lb_listener_rule": _listener_rule,
    "aws_db_instance": _db_instance,
    "aws_db_parameter_group": _named("rds", "pg", "pg:{name}"),
    "aws_db_subnet_group": _named("rds", "subgrp", "subgrp:{name}"),
    "aws_s3_bucket": _bucket,
    "aws_s3_bucket_lifecycle_configuration": _bucket,
    "aws_s3_bucket_ownership_controls": _bucket,
    "aws_s3_bucket_policy": _bucket,
    "aws_s3_bucket_public_access_block": _bucket,
    "aws_s3_bucket_server_side_encryption_configuration": _bucket,
    "aws_s3_bucket_versioning": _bucket,
    "aws_kms_key": _kms_key,
    "aws_kms_alias": _kms_alias,
}

#: Service-linked roles a first deployment may make AWS create (iam:AWSServiceName).
SERVICE_LINKED = {
    "aws_db_instance": "rds.amazonaws.com",
    "aws_db_parameter_group": "rds.amazonaws.com",
    "aws_db_subnet_group": "rds.amazonaws.com",
    "aws_ecs_service": "ecs.amazonaws.com",
    "aws_ecs_cluster": "ecs.amazonaws.com",
    "aws_lb": "elasticloadbalancing.amazonaws.com",
    "aws_appautoscaling_target": "ecs.application-autoscaling.amazonaws.com",
}

#: The role each service-linked role service creates (IAM User Guide, "AWS services that work with IAM").
SERVICE_LINKED_ROLES = {
    "rds.amazonaws.com": "AWSServiceRoleForRDS",
    "ecs.amazonaws.com": "AWSServiceRoleForECS",
    "elasticloadbalancing.amazonaws.com": "AWSServiceRoleForElasticLoadBalancing",
    "ecs.application-autoscaling.amazonaws.com": "AWSServiceRoleForApplicationAutoScaling_ECSService",
}


def service_linked_role_arn(account: str, service: str) -> str:
    return f"arn:aws:iam::{account}:role/aws-service-role/{service}/{SERVICE_LINKED_ROLES[service]}"


def _facts(terraform_type: str, r, ctx: Context) -> dict:
    facts: dict = {}
    if terraform_type == "aws_iam_role" and r.inputs.get("permissionsBoundary"):
        facts["iam:PermissionsBoundary"] = r.inputs["permissionsBoundary"]
    if terraform_type == "aws_iam_role_policy" and ctx.role_boundaries.get(str(r.inputs["role"])):
        # iam:PermissionsBoundary of PutRolePolicy is the boundary the role already carries
        facts["iam:PermissionsBoundary"] = ctx.role_boundaries[str(r.inputs["role"])]
    if terraform_type == "aws_ecs_task_definition":
        facts["iam:PassedToService"] = "ecs-tasks.amazonaws.com"
    if terraform_type in SERVICE_LINKED:
        facts["iam:AWSServiceName"] = SERVICE_LINKED[terraform_type]
    if terraform_type.startswith("aws_appautoscaling_"):
        facts["application-autoscaling:service-namespace"] = r.inputs.get("serviceNamespace", "ecs")
        facts["application-autoscaling:scalable-dimension"] = r.inputs.get("scalableDimension", "")
    return facts


def _exclusions(terraform_type: str, r) -> dict[str, str]:
    from proof.ci_permissions.corrections import not_called

    return not_called(terraform_type, r.inputs)


def subject_of(r, ctx: Context) -> Subject:
    """The subject of one recorded provider resource."""
    terraform_type = RESOURCE_TYPES[r.type]
    arns, own = BINDINGS[terraform_type](r, ctx)
    if terraform_type in SERVICE_LINKED and "iam:role" not in arns:
        arns["iam:role"] = [service_linked_role_arn(ctx.account, SERVICE_LINKED[terraform_type])]
    if terraform_type == "aws_db_instance" and ctx.vpc_arn:
        arns["ec2:vpc"] = [ctx.vpc_arn]
    if terraform_type == "aws_ecs_cluster_capacity_providers":
        arns["ecs:capacity-provider"] = [_arn(ctx, "ecs", f"capacity-provider/{p}")
                                         for p in r.inputs.get("capacityProviders") or []]
    tags = _effective_tags(ctx, r.inputs) if "tags" in _taggable_inputs(r) else None
    tag_map = {kind: tags for kind in arns}
    subject = Subject(terraform_type, r.name, own, arns, tag_map, request_tags=tags,
                      facts=_facts(terraform_type, r, ctx), attributes=_attributes(r.inputs),
                      excluded=_exclusions(terraform_type, r))
    _foreign(subject, r, ctx)
    for key in arns.get("kms:key", []):
        subject.resource_policies[key] = ctx.key_policies.get(key) or default_key_policy(ctx.account)
    if "ec2:vpc" in arns and subject.own != "ec2:vpc":
        subject.tags["ec2:vpc"] = ctx.vpc_tags
    return subject


def _taggable_inputs(r) -> set:
    return set(r.inputs) | ({"tags"} if RESOURCE_TYPES[r.type] in _TAGGABLE_WITHOUT_INPUT else set())


#: Types tagged through the provider's default tags even when the program passes no tags.
_TAGGABLE_WITHOUT_INPUT = frozenset()


def _foreign(subject: Subject, r, ctx: Context) -> None:
    """Resources a subject touches that this stack did not tag: AWS-managed, or the user's."""
    for kind in ("rds:og", "iam:role", "secretsmanager:Secret", "rds:snapshot", "cloudwatch:alarm",
                 "ecs:capacity-provider"):
        if kind in subject.arns and kind != subject.own:
            subject.tags[kind] = None


def not_aws(type_token: str) -> bool:
    return type_token in NO_AWS_CALLS
