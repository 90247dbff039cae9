"""The deploy role's managed policies: the project's resources by name prefix or ``Project`` tag,
IAM only for roles carrying the workload boundary, the state backend without deleting it."""

from __future__ import annotations

from healthkit_bootstrap.policies.documents import (
    ECS_TASKS_SERVICE,
    SERVICE_LINKED_ROLES,
    Scope,
    StateBackend,
    ci_name,
    document,
    ecr_repositories,
    log_groups,
    statement,
)


def deploy_containers_policy(scope: Scope) -> dict:
    """ECR, ECS and Application Auto Scaling of the project."""
    p = scope.prefix
    return document(
        statement("RegistryLogin", ["ecr:GetAuthorizationToken"], "*"),
        statement("Repositories", [
            "ecr:BatchCheckLayerAvailability", "ecr:BatchDeleteImage", "ecr:BatchGetImage", "ecr:CompleteLayerUpload",
            "ecr:CreateRepository", "ecr:DeleteLifecyclePolicy", "ecr:DeleteRepository", "ecr:DeleteRepositoryPolicy",
            "ecr:DescribeImageScanFindings", "ecr:DescribeImages", "ecr:DescribeRepositories",
            "ecr:GetDownloadUrlForLayer", "ecr:GetLifecyclePolicy", "ecr:GetRepositoryPolicy", "ecr:InitiateLayerUpload",
            "ecr:ListImages", "ecr:ListTagsForResource", "ecr:PutImage", "ecr:PutImageScanningConfiguration",
            "ecr:PutImageTagMutability", "ecr:PutLifecyclePolicy", "ecr:SetRepositoryPolicy", "ecr:StartImageScan",
            "ecr:TagResource", "ecr:UntagResource", "ecr:UploadLayerPart",
        ], ecr_repositories(scope)),
        statement("Clusters", [
            "ecs:CreateCluster", "ecs:DeleteCluster", "ecs:DescribeClusters", "ecs:PutClusterCapacityProviders",
            "ecs:UpdateCluster", "ecs:UpdateClusterSettings",
        ], [scope.arn("ecs", f"cluster/{p}-*")]),
        statement("Services", [
            "ecs:CreateService", "ecs:DeleteService", "ecs:DescribeServices", "ecs:UpdateService",
        ], [scope.arn("ecs", f"service/{p}-*/*")]),
        statement("TaskDefinitions", ["ecs:DeleteTaskDefinitions", "ecs:RegisterTaskDefinition"],
                  [scope.arn("ecs", f"task-definition/{p}-*:*")]),
        statement("Tagging", ["ecs:ListTagsForResource", "ecs:TagResource", "ecs:UntagResource"], [
            scope.arn("ecs", f"cluster/{p}-*"), scope.arn("ecs", f"service/{p}-*/*"),
            scope.arn("ecs", f"task-definition/{p}-*:*"),
        ]),
        # AWS supports no resource for these; a task definition grants nothing until a service of
        # the project's clusters runs it.
        statement("TaskDefinitionsUnscoped", [
            "ecs:DeregisterTaskDefinition", "ecs:DescribeTaskDefinition", "ecs:ListClusters", "ecs:ListServices",
            "ecs:ListTaskDefinitionFamilies", "ecs:ListTaskDefinitions",
        ], "*"),
        # the deployment check (scripts/deployment-check) reads the stopped tasks of the project's services
        statement("Tasks", ["ecs:DescribeTasks", "ecs:ListTasks"],
                  [scope.arn("ecs", f"task/{p}-*/*"), scope.arn("ecs", f"container-instance/{p}-*/*")]),
        statement("CapacityProviders", ["ecs:DescribeCapacityProviders"], [scope.arn("ecs", "capacity-provider/*")]),
        statement("Scaling", [
            "application-autoscaling:DeleteScalingPolicy", "application-autoscaling:DeleteScheduledAction",
            "application-autoscaling:DeregisterScalableTarget", "application-autoscaling:PutScalingPolicy",
            "application-autoscaling:PutScheduledAction", "application-autoscaling:RegisterScalableTarget",
        ], [scope.arn("application-autoscaling", "scalable-target/*")],
            {"StringEquals": {"application-autoscaling:service-namespace": "ecs"}}),
        statement("ScalingTags", ["application-autoscaling:ListTagsForResource", "application-autoscaling:TagResource",
                                  "application-autoscaling:UntagResource"],
                  [scope.arn("application-autoscaling", "scalable-target/*")]),
        statement("ScalingReads", [
            "application-autoscaling:DescribeScalableTargets", "application-autoscaling:DescribeScalingActivities",
            "application-autoscaling:DescribeScalingPolicies", "application-autoscaling:DescribeScheduledActions",
        ], "*"),
    )


def deploy_observability_policy(scope: Scope) -> dict:
    """Logs, alarms, dashboards, SNS topics and the load balancer of the project."""
    p = scope.prefix
    # ELB names are generated (32-character limit): scoped by the Project tag instead.
    elb = [scope.arn("elasticloadbalancing", "targetgroup/*/*")] + [
        scope.arn("elasticloadbalancing", pattern)
        for kind in ("app", "net")
        for pattern in (f"loadbalancer/{kind}/*/*", f"listener/{kind}/*/*/*", f"listener-rule/{kind}/*/*/*/*")
    ]
    return document(
        statement("LogGroups", [
            "logs:AssociateKmsKey", "logs:CreateLogGroup", "logs:DeleteLogGroup", "logs:DeleteMetricFilter",
            "logs:DeleteRetentionPolicy", "logs:DescribeMetricFilters", "logs:DisassociateKmsKey", "logs:ListTagsForResource", "logs:ListTagsLogGroup",
            "logs:PutMetricFilter", "logs:PutRetentionPolicy", "logs:TagLogGroup", "logs:TagResource",
            "logs:UntagLogGroup", "logs:UntagResource",
        ], log_groups(scope)),
        # prod log groups carry deletion protection (infra: deletion_protection_enabled)
        statement("LogGroupProtection", ["logs:PutLogGroupDeletionProtection"], log_groups(scope)),
        statement("LogReads", ["logs:DescribeLogGroups"], "*"),
        # target tracking policies are read back with their metrics (pike: aws_appautoscaling_policy)
        statement("MetricReads", ["cloudwatch:GetMetricData"], "*"),
        # Target tracking policies create alarms named TargetTracking-service/<cluster>/<service>-...
        statement("Alarms", [
            "cloudwatch:DeleteAlarms", "cloudwatch:DescribeAlarms", "cloudwatch:DisableAlarmActions",
            "cloudwatch:EnableAlarmActions", "cloudwatch:ListTagsForResource", "cloudwatch:PutMetricAlarm",
            "cloudwatch:TagResource", "cloudwatch:UntagResource",
        ], [scope.arn("cloudwatch", f"alarm:{p}-*"), scope.arn("cloudwatch", f"alarm:TargetTracking-service/{p}-*")]),
        statement("Dashboards", ["cloudwatch:DeleteDashboards", "cloudwatch:GetDashboard", "cloudwatch:PutDashboard"],
                  [scope.arn("cloudwatch", f"dashboard/{p}-*", region="")]),
        statement("Topics", [
            "sns:CreateTopic", "sns:DeleteTopic", "sns:GetTopicAttributes", "sns:ListSubscriptionsByTopic",
            "sns:ListTagsForResource", "sns:SetTopicAttributes", "sns:Subscribe", "sns:TagResource", "sns:UntagResource",
        ], [scope.arn("sns", f"{p}-*")]),
        statement("Subscriptions", ["sns:GetSubscriptionAttributes", "sns:SetSubscriptionAttributes", "sns:Unsubscribe"], "*"),
        statement("CreateTaggedLoadBalancers", [
            "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:CreateTargetGroup",
        ], elb, scope.request_tag_condition),
        statement("TagOnCreate", ["elasticloadbalancing:AddTags"], elb, {"StringEquals": {
            "elasticloadbalancing:CreateAction": ["CreateListener", "CreateLoadBalancer", "CreateRule", "CreateTargetGroup"]}}),
        # Listeners and rules are authorized on their (tagged) load balancer / listener.
        statement("ManageTaggedLoadBalancers", [
            "elasticloadbalancing:AddListenerCertificates", "elasticloadbalancing:AddTags",
            "elasticloadbalancing:CreateListener", "elasticloadbalancing:CreateRule",
            "elasticloadbalancing:DeleteListener", "elasticloadbalancing:DeleteLoadBalancer",
            "elasticloadbalancing:DeleteRule", "elasticloadbalancing:DeleteTargetGroup",
            "elasticloadbalancing:DeregisterTargets", "elasticloadbalancing:ModifyListener",
            "elasticloadbalancing:ModifyListenerAttributes",
            "elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:ModifyRule",
            "elasticloadbalancing:ModifyTargetGroup", "elasticloadbalancing:ModifyTargetGroupAttributes",
            "elasticloadbalancing:RegisterTargets", "elasticloadbalancing:RemoveListenerCertificates",
            "elasticloadbalancing:RemoveTags", "elasticloadbalancing:SetIpAddressType",
            "elasticloadbalancing:SetRulePriorities", "elasticloadbalancing:SetSecurityGroups",
            "elasticloadbalancing:SetSubnets",
        ], elb, scope.tag_condition),
        statement("LoadBalancerReads", [
            "elasticloadbalancing:DescribeCapacityReservation", "elasticloadbalancing:DescribeListenerAttributes",
            "elasticloadbalancing:DescribeListenerCertificates", "elasticloadbalancing:DescribeListeners",
            "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeRules", "elasticloadbalancing:DescribeSSLPolicies",
            "elasticloadbalancing:DescribeTags", "elasticloadbalancing:DescribeTargetGroupAttributes",
            "elasticloadbalancing:DescribeTargetGroups", "elasticloadbalancing:DescribeTargetHealth",
            "acm:ListCertificates",
        ], "*"),
        statement("Certificates", ["acm:DescribeCertificate"], [scope.arn("acm", "certificate/*")]),
    )


def deploy_data_policy(scope: Scope) -> dict:
    """SQS, Secrets Manager, RDS and KMS keys of the project."""
    p = scope.prefix
    return document(
        statement("Queues", [
            "sqs:CreateQueue", "sqs:DeleteQueue", "sqs:GetQueueAttributes", "sqs:GetQueueUrl",
            "sqs:ListDeadLetterSourceQueues", "sqs:ListQueueTags", "sqs:SetQueueAttributes", "sqs:TagQueue",
            "sqs:UntagQueue",
        ], [scope.arn("sqs", f"{p}-*")]),
        statement("Secrets", [
            "secretsmanager:CreateSecret", "secretsmanager:DeleteResourcePolicy", "secretsmanager:DeleteSecret",
            "secretsmanager:DescribeSecret", "secretsmanager:GetResourcePolicy", "secretsmanager:GetSecretValue",
            "secretsmanager:ListSecretVersionIds", "secretsmanager:PutResourcePolicy", "secretsmanager:PutSecretValue",
            "secretsmanager:RestoreSecret", "secretsmanager:TagResource", "secretsmanager:UntagResource",
            "secretsmanager:UpdateSecret", "secretsmanager:UpdateSecretVersionStage",
        ], [scope.arn("secretsmanager", f"secret:{p}-*")]),
        # RDS-managed master user passwords live in secrets named rds!db-<id>.
        statement("RdsManagedSecrets", [
            "secretsmanager:CreateSecret", "secretsmanager:DeleteSecret", "secretsmanager:DescribeSecret",
            "secretsmanager:RotateSecret", "secretsmanager:TagResource",
        ], [scope.arn("secretsmanager", "secret:rds!*")]),
        statement("SecretReads", ["secretsmanager:GetRandomPassword", "secretsmanager:ListSecrets"], "*"),
        statement("Databases", [
            "rds:AddTagsToResource", "rds:CreateDBInstance", "rds:CreateDBParameterGroup", "rds:CreateDBSnapshot",
            "rds:CreateDBSubnetGroup", "rds:DeleteDBInstance", "rds:DeleteDBParameterGroup", "rds:DeleteDBSubnetGroup",
            "rds:DescribeDBInstanceAutomatedBackups", "rds:DescribeDBInstances", "rds:DescribeDBParameterGroups",
            "rds:DescribeDBParameters",
            "rds:DescribeDBSnapshots", "rds:DescribeDBSubnetGroups", "rds:ListTagsForResource",
            "rds:ModifyDBInstance", "rds:ModifyDBParameterGroup", "rds:ModifyDBSubnetGroup", "rds:RebootDBInstance",
            "rds:RemoveTagsFromResource", "rds:ResetDBParameterGroup",
        ], [scope.arn("rds", f"{kind}:{p}-*") for kind in ("db", "pg", "subgrp", "snapshot")]),
        # No option group is named, so RDS uses the engine's default one (og:default:postgres-16) and
        # authorizes CreateDBInstance/ModifyDBInstance against it too; AWS owns it, nothing changes it.
        statement("DefaultOptionGroups", ["rds:CreateDBInstance", "rds:ModifyDBInstance"],
                  [scope.arn("rds", "og:default:*")]),
        statement("DatabaseReads", ["rds:DescribeDBEngineVersions", "rds:DescribeOrderableDBInstanceOptions"], "*"),
        statement("CreateTaggedKeys", ["kms:CreateKey"], "*", scope.request_tag_condition),
        statement("ManageTaggedKeys", [
            "kms:CancelKeyDeletion", "kms:CreateGrant", "kms:Decrypt", "kms:DescribeKey", "kms:DisableKey", "kms:DisableKeyRotation", "kms:EnableKey", "kms:EnableKeyRotation",
            "kms:Encrypt", "kms:GenerateDataKey", "kms:GetKeyPolicy", "kms:GetKeyRotationStatus",
            "kms:ListResourceTags", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion", "kms:TagResource",
            "kms:UntagResource", "kms:UpdateKeyDescription",
        ], [scope.arn("kms", "key/*")], scope.tag_condition),
        # An alias authorizes on the alias and the key; the alias name is the project's, and an
        # alias grants nothing by itself.
        statement("KeyAliases", ["kms:CreateAlias", "kms:DeleteAlias", "kms:UpdateAlias"],
                  [scope.arn("kms", f"alias/{p}-*"), scope.arn("kms", "key/*")]),
        statement("KeyReads", ["kms:ListAliases", "kms:ListKeys"], "*"),
    )


# EC2 networking: created with the project tag, managed only while tagged.
EC2_CREATE_ACTIONS = (
    "ec2:AllocateAddress", "ec2:CreateInternetGateway", "ec2:CreateNatGateway", "ec2:CreateRouteTable",
    "ec2:CreateSecurityGroup", "ec2:CreateSubnet", "ec2:CreateVpc", "ec2:CreateVpcEndpoint",
)
# Security group rules created with tags (aws.vpc.SecurityGroup*Rule) are tagged by these calls.
EC2_RULE_ACTIONS = ("ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress")
EC2_READ_ACTIONS = (
    "ec2:DescribeAccountAttributes", "ec2:DescribeAddresses", "ec2:DescribeAddressesAttribute",
    "ec2:DescribeAvailabilityZones", "ec2:DescribeInternetGateways", "ec2:DescribeManagedPrefixLists",
    "ec2:DescribeNatGateways", "ec2:DescribeNetworkAcls", "ec2:DescribeNetworkInterfaces", "ec2:DescribePrefixLists",
    "ec2:DescribeRegions", "ec2:DescribeRouteTables", "ec2:DescribeSecurityGroupRules", "ec2:DescribeSecurityGroups",
    "ec2:DescribeSubnets", "ec2:DescribeTags", "ec2:DescribeVpcEndpointServices",
    "ec2:DescribeVpcEndpoints", "ec2:DescribeVpcs",
)
EC2_MANAGE_ACTIONS = (
    "ec2:AssociateRouteTable", "ec2:AttachInternetGateway", "ec2:AuthorizeSecurityGroupEgress",
    "ec2:AuthorizeSecurityGroupIngress", "ec2:CreateRoute", "ec2:CreateTags", "ec2:DeleteInternetGateway",
    "ec2:DeleteNatGateway", "ec2:DeleteRoute", "ec2:DeleteRouteTable", "ec2:DeleteSecurityGroup", "ec2:DeleteSubnet",
    "ec2:DeleteTags", "ec2:DeleteVpc", "ec2:DeleteVpcEndpoints", "ec2:DetachInternetGateway",
    "ec2:DisassociateRouteTable", "ec2:ModifySecurityGroupRules", "ec2:ModifySubnetAttribute",
    "ec2:ModifyVpcAttribute", "ec2:ModifyVpcEndpoint", "ec2:ReleaseAddress", "ec2:ReplaceRoute",
    "ec2:ReplaceRouteTableAssociation", "ec2:RevokeSecurityGroupEgress", "ec2:RevokeSecurityGroupIngress",
    "ec2:UpdateSecurityGroupRuleDescriptionsEgress", "ec2:UpdateSecurityGroupRuleDescriptionsIngress",
)


def deploy_network_policy(scope: Scope) -> dict:
    """VPC, subnets, gateways, routes and security groups of the project (tag-scoped)."""
    everything = [scope.arn("ec2", "*")]
    return document(
        statement("Reads", EC2_READ_ACTIONS, "*"),
        statement("VpcAttributeReads", ["ec2:DescribeVpcAttribute"], [scope.arn("ec2", "vpc/*")]),
        statement("CreateTagged", EC2_CREATE_ACTIONS, everything, scope.request_tag_condition),
        statement("TagOnCreate", ["ec2:CreateTags"], everything,
                  {"StringEquals": {"ec2:CreateAction": [a.split(":")[1] for a in EC2_CREATE_ACTIONS + EC2_RULE_ACTIONS]}}),
        # Security group rules created with tags (aws.vpc.SecurityGroupIngressRule) are authorized
        # as a second resource of the call; the group itself is covered by ManageTagged.
        statement("TaggedRules", ["ec2:AuthorizeSecurityGroupEgress", "ec2:AuthorizeSecurityGroupIngress"],
                  [scope.arn("ec2", "security-group-rule/*")], scope.request_tag_condition),
        statement("ManageTagged", EC2_MANAGE_ACTIONS, everything, scope.tag_condition),
    )


def deploy_iam_policy(scope: Scope, boundary_arn: str | None) -> dict:
    """The project's roles and policies; passing them to ECS tasks only; never the bootstrap's own.

    With ``boundary_arn`` (the default set-up) every role the deploy role creates or widens must
    carry that permissions boundary. Without it (requireWorkloadBoundary=false) the deploy role can
    give a <prefix>-* role any permission and pass it to a task: an escalation path to use only
    for stacks that do not set the boundary (both stack files of this repository do).
    """
    own = [scope.iam(f"role/{ci_name(scope.prefix, '*')}"), scope.iam(f"policy/{ci_name(scope.prefix, '*')}")]
    widening = ["iam:AttachRolePolicy", "iam:CreateRole", "iam:DeleteRolePolicy", "iam:DetachRolePolicy",
                "iam:PutRolePermissionsBoundary", "iam:PutRolePolicy"]
    return document(
        # Every role the program creates or widens carries the workload boundary.
        statement("RolesWithBoundary", widening, [scope.project_roles],
                  {"ArnEquals": {"iam:PermissionsBoundary": boundary_arn}})
        if boundary_arn else statement("RolesWithoutBoundary", widening, [scope.project_roles]),
        statement("Roles", [
            "iam:DeleteRole", "iam:GetRole", "iam:GetRolePolicy", "iam:ListAttachedRolePolicies",
            "iam:ListInstanceProfilesForRole", "iam:ListRolePolicies", "iam:ListRoleTags", "iam:TagRole",
            "iam:UntagRole", "iam:UpdateAssumeRolePolicy", "iam:UpdateRole", "iam:UpdateRoleDescription",
        ], [scope.project_roles]),
        statement("Policies", [
            "iam:CreatePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeletePolicyVersion",
            "iam:GetPolicy", "iam:GetPolicyVersion", "iam:ListEntitiesForPolicy", "iam:ListPolicyTags",
            "iam:ListPolicyVersions", "iam:SetDefaultPolicyVersion", "iam:TagPolicy", "iam:UntagPolicy",
        ], [scope.iam(f"policy/{scope.prefix}-*")]),
        # RDS reads its service-linked role when it creates an instance (pike: aws_db_instance).
        statement("RoleReads", ["iam:GetRole"], [scope.iam("role/aws-service-role/*")]),
        statement("RoleLists", ["iam:ListRoles"], "*"),
        statement("PassProjectRolesToEcsTasks", ["iam:PassRole"], [scope.project_roles],
                  {"StringEquals": {"iam:PassedToService": ECS_TASKS_SERVICE}}),
        statement("ServiceLinkedRoles", ["iam:CreateServiceLinkedRole"], [scope.iam("role/aws-service-role/*")],
                  {"StringEquals": {"iam:AWSServiceName": list(SERVICE_LINKED_ROLES)}}),
        statement("KeepBoundaries", ["iam:DeleteRolePermissionsBoundary"], [scope.iam("role/*")], effect="Deny"),
        statement("KeepBootstrapResources", [
            "iam:AttachRolePolicy", "iam:CreatePolicyVersion", "iam:DeletePolicy", "iam:DeleteRole",
            "iam:DeleteRolePolicy", "iam:DetachRolePolicy", "iam:PutRolePolicy", "iam:SetDefaultPolicyVersion",
            "iam:UpdateAssumeRolePolicy",
        ], own, effect="Deny"),
    )


def deploy_state_policy(state: StateBackend) -> dict:
    """Read and write the Pulumi state and its secrets; never delete or reconfigure the backend."""
    return document(
        statement("StateBucket", ["s3:ListBucket"], [state.bucket_arn]),
        statement("StateObjects", ["s3:DeleteObject", "s3:GetObject", "s3:GetObjectVersion", "s3:PutObject"],
                  [f"{state.bucket_arn}/*"]),
        statement("StateKey", ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey"], [state.key_arn]),
        statement("KeepStateBucket", [
            "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock",
            "s3:PutBucketVersioning", "s3:PutEncryptionConfiguration", "s3:PutLifecycleConfiguration",
        ], [state.bucket_arn], effect="Deny"),
        statement("KeepStateKey", ["kms:DisableKey", "kms:PutKeyPolicy", "kms:ScheduleKeyDeletion"], [state.key_arn],
                  effect="Deny"),
    )


def exports_buckets(scope: Scope) -> list[str]:
    """The stacks' exports buckets: ``<prefix>-<stack>-exports-<random>`` (infra/exports_bucket.py)."""
    return [f"arn:{scope.partition}:s3:::{scope.prefix}-*-exports-*"]


def deploy_exports_policy(scope: Scope) -> dict:
    """The stacks' exports buckets: create, configure (tags, ownership, public access block,
    encryption, policy, lifecycle), read back and delete them; emptying one on destroy (dev's
    force_destroy) lists and deletes its objects. Nothing else in S3."""
    buckets = exports_buckets(scope)
    return document(
        statement("ExportsBuckets", [
            "s3:CreateBucket", "s3:DeleteBucket", "s3:DeleteBucketPolicy", "s3:GetAccelerateConfiguration",
            "s3:GetBucketAcl", "s3:GetBucketCORS", "s3:GetBucketLogging", "s3:GetBucketObjectLockConfiguration",
            "s3:GetBucketOwnershipControls", "s3:GetBucketPolicy", "s3:GetBucketPublicAccessBlock",
            "s3:GetBucketRequestPayment", "s3:GetBucketTagging", "s3:GetBucketVersioning", "s3:GetBucketWebsite",
            "s3:GetEncryptionConfiguration", "s3:GetLifecycleConfiguration", "s3:GetReplicationConfiguration",
            "s3:ListBucket", "s3:ListBucketVersions", "s3:PutBucketLogging", "s3:PutBucketOwnershipControls",
            "s3:PutBucketPolicy", "s3:PutBucketPublicAccessBlock", "s3:PutBucketTagging", "s3:PutEncryptionConfiguration",
            "s3:PutLifecycleConfiguration",
        ], buckets),
        statement("ExportsObjectsOnDestroy", ["s3:DeleteObject", "s3:DeleteObjectVersion"],
                  [f"{bucket}/*" for bucket in buckets]),
    )


def deploy_policies(scope: Scope, boundary_arn: str | None, state: StateBackend | None) -> dict[str, dict]:
    """The deploy role's managed policies by name suffix (each under IAM's 6,144-character limit)."""
    policies = {
        "deploy-containers": deploy_containers_policy(scope),
        "deploy-observability": deploy_observability_policy(scope),
        "deploy-data": deploy_data_policy(scope),
        "deploy-network": deploy_network_policy(scope),
        "deploy-iam": deploy_iam_policy(scope, boundary_arn),
        "deploy-exports": deploy_exports_policy(scope),
    }
    if state is not None:
        policies["deploy-state"] = deploy_state_policy(state)
    return policies
