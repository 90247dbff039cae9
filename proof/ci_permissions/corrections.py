"""Where pike's data is wrong or too wide for this program, corrected here with the reason and a source.

- ``REPLACED``: pike's ``aws_lb`` file lists the classic load balancer's API (CreateLoadBalancerListeners,
  AttachLoadBalancerToSubnets, ec2:CreateSecurityGroup...), but ``aws_lb`` is the ELBv2 resource.
  Its calls are read from terraform-provider-aws ``internal/service/elbv2/load_balancer.go``
  (commit 00edc94be7a89c4c485415cdec27094875f61bfc): create, read (load balancer, attributes,
  capacity reservation, tags), update (attributes, security groups, subnets, address type),
  delete, and the wait for the load balancer's network interfaces to go.
- ``NOT_CALLED``: actions pike lists for a type that the provider calls only for an option this
  program never sets; each says which input would make it called, and is dropped only while that
  input is absent from the recorded resource.
"""

from __future__ import annotations

from collections.abc import Callable

REPLACED: dict[str, dict[str, tuple[str, ...]]] = {
    "aws_lb": {
        "apply": (
            "elasticloadbalancing:CreateLoadBalancer", "elasticloadbalancing:DescribeLoadBalancers",
            "elasticloadbalancing:DescribeLoadBalancerAttributes", "elasticloadbalancing:ModifyLoadBalancerAttributes",
            "elasticloadbalancing:DescribeCapacityReservation", "elasticloadbalancing:DescribeTags",
            "elasticloadbalancing:SetSecurityGroups", "elasticloadbalancing:SetSubnets",
            "elasticloadbalancing:SetIpAddressType", "elasticloadbalancing:DeleteLoadBalancer",
            "ec2:DescribeNetworkInterfaces",
        ),
        "modify": ("elasticloadbalancing:ModifyLoadBalancerAttributes", "elasticloadbalancing:SetSecurityGroups",
                   "elasticloadbalancing:SetSubnets"),
        "destroy": ("elasticloadbalancing:DeleteLoadBalancer", "ec2:DescribeNetworkInterfaces"),
        "plan": ("elasticloadbalancing:DescribeLoadBalancers", "elasticloadbalancing:DescribeLoadBalancerAttributes",
                 "elasticloadbalancing:DescribeTags"),
        "attributes:tags": ("elasticloadbalancing:AddTags", "elasticloadbalancing:RemoveTags"),
    },
}


def _absent(*names: str) -> Callable[[dict], bool]:
    return lambda inputs: not any(inputs.get(n) for n in names)


def _only_fargate(inputs: dict) -> bool:
    return set(inputs.get("capacityProviders") or []) <= {"FARGATE", "FARGATE_SPOT"}


#: (Terraform type, action) -> (predicate on the recorded inputs: True = not called, why).
NOT_CALLED: dict[tuple[str, str], tuple[Callable[[dict], bool], str]] = {
    ("aws_db_instance", "iam:PassRole"): (
        _absent("monitoringRoleArn", "domainIamRoleName"), "only with an enhanced-monitoring or directory role"),
    ("aws_db_instance", "rds:DescribeDBClusters"): (
        _absent("dbClusterIdentifier"), "only for an instance of an Aurora cluster (db_cluster_identifier)"),
    ("aws_ecs_service", "iam:PassRole"): (_absent("iamRole"), "only with a service role (iam_role)"),
    ("aws_ecs_cluster", "ecs:PutAccountSetting"): (
        lambda inputs: True, "account settings are aws_ecs_account_setting_default's, not the cluster's"),
    ("aws_ecs_cluster", "ecs:PutAccountSettingDefault"): (
        lambda inputs: True, "account settings are aws_ecs_account_setting_default's, not the cluster's"),
    ("aws_ecs_cluster", "ecs:PutClusterCapacityProviders"): (
        lambda inputs: True, "the cluster's capacity providers are aws_ecs_cluster_capacity_providers' (checked there)"),
    ("aws_ecs_cluster_capacity_providers", "ecs:CreateCapacityProvider"): (
        _only_fargate, "only EC2 Auto Scaling capacity providers are created; FARGATE and FARGATE_SPOT exist"),
    ("aws_ecs_cluster_capacity_providers", "ecs:UpdateCapacityProvider"): (
        _only_fargate, "only EC2 Auto Scaling capacity providers are updated"),
    ("aws_ecs_cluster_capacity_providers", "ecs:DeleteCapacityProvider"): (
        _only_fargate, "only EC2 Auto Scaling capacity providers are deleted"),
    ("aws_ecs_cluster_capacity_providers", "ecs:ListTagsForResource"): (
        _only_fargate, "only the tags of capacity providers the resource creates (EC2 Auto Scaling ones)"),
    ("aws_ecs_cluster_capacity_providers", "autoscaling:CreateOrUpdateTags"): (
        _only_fargate, "only EC2 Auto Scaling groups behind a capacity provider are tagged"),
    ("aws_iam_role", "iam:DeleteRolePermissionsBoundary"): (
        lambda inputs: bool(inputs.get("permissionsBoundary")),
        "only when a role's boundary is removed; the stack keeps it (and the deploy role is denied it on purpose)"),
    ("aws_vpc", "ec2:ModifyVpcTenancy"): (_absent("instanceTenancy"), "only when instance_tenancy changes"),
    ("aws_subnet", "ec2:AssociateSubnetCidrBlock"): (_absent("ipv6CidrBlock"), "only for an IPv6 CIDR block"),
    ("aws_subnet", "ec2:DisassociateSubnetCidrBlock"): (_absent("ipv6CidrBlock"), "only for an IPv6 CIDR block"),
    ("aws_eip", "ec2:AssociateAddress"): (_absent("instance", "networkInterface"),
                                          "only with an instance or network interface (NAT gateways take the address)"),
    ("aws_eip", "ec2:DisassociateAddress"): (_absent("instance", "networkInterface"),
                                             "only with an instance or network interface"),
    # terraform-provider-aws internal/service/s3/bucket.go reads a bucket's ACL (GetBucketAcl) and
    # configurations, never an object's: the object calls pike lists are those of aws_s3_object
    ("aws_s3_bucket", "s3:GetObjectAcl"): (lambda inputs: True, "an object's ACL is never read for a bucket"),
    ("aws_s3_bucket", "s3:GetObject"): (lambda inputs: True, "an object is never read for a bucket"),
}
for _action in ("ec2:AssociateNatGatewayAddress", "ec2:DisassociateNatGatewayAddress",
                "ec2:AssignPrivateNatGatewayAddress", "ec2:UnassignPrivateNatGatewayAddress"):
    NOT_CALLED[("aws_nat_gateway", _action)] = (
        _absent("secondaryAllocationIds", "secondaryPrivateIpAddresses", "secondaryPrivateIpAddressCount"),
        "only for secondary NAT gateway addresses")
for _kind in ("aws_appautoscaling_target", "aws_appautoscaling_policy"):
    for _action in ("lambda:GetProvisionedConcurrencyConfig", "lambda:PutProvisionedConcurrencyConfig",
                    "lambda:DeleteProvisionedConcurrencyConfig"):
        NOT_CALLED[(_kind, _action)] = (lambda inputs: inputs.get("serviceNamespace", "ecs") != "lambda",
                                        "only for Lambda provisioned concurrency (serviceNamespace lambda)")


def not_called(terraform_type: str, inputs: dict) -> dict[str, str]:
    """Action -> why it is not called, for one recorded resource."""
    return {action: f"{why} (pike lists it)" for (kind, action), (applies, why) in NOT_CALLED.items()
            if kind == terraform_type and applies(inputs)}
