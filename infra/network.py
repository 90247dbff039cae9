"""The network: a new VPC (awsx) or an existing one, and the three security groups.

- ALB: ingress only on its listener ports from the allowed CIDRs; egress only to the api tasks.
- api tasks: ingress only from the ALB on the app port.
- worker tasks: no ingress.
Both task groups may leave on HTTPS (AWS APIs, ECR); the database component adds their
egress to the database port.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.args import check


@dataclass
class NetworkArgs:
    """Arguments of :class:`Network`."""

    listener_ports: Sequence[int]
    """ALB listener ports opened to ``ingress_cidrs`` (80, and 443 with HTTPS). Required."""

    vpc_id: str = ""
    """Existing VPC id; conflicts with creating one. Default: empty (create a VPC)."""

    public_subnet_ids: Sequence[str] = ()
    """Existing public subnets for the ALB (>= 2); only with ``vpc_id``. Default: none."""

    private_subnet_ids: Sequence[str] = ()
    """Existing private subnets for tasks and database (>= 1); only with ``vpc_id``.
    Default: none."""

    cidr_block: str = "10.0.0.0/16"
    """CIDR of a new VPC. Default: 10.0.0.0/16."""

    availability_zones: int = 2
    """AZs of a new VPC (a public and a private subnet in each). 2-6. Default: 2."""

    nat_gateways: str = "single"
    """NAT gateways of a new VPC: ``single`` or ``onePerAz``. Default: single."""

    ingress_cidrs: Sequence[str] = ("0.0.0.0/0",)
    """IPv4 CIDRs allowed to reach the listener ports. At least one. Default: 0.0.0.0/0."""

    app_port: int = 8000
    """Port the api container listens on. Default: 8000."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the VPC and security groups. Default: none."""


class Network(pulumi.ComponentResource):
    """VPC (new or existing) and the ALB / api / worker security groups."""

    vpc_id: pulumi.Output[str]
    public_subnet_ids: pulumi.Output[list]
    private_subnet_ids: pulumi.Output[list]
    alb_security_group: aws.ec2.SecurityGroup
    api_security_group: aws.ec2.SecurityGroup
    worker_security_group: aws.ec2.SecurityGroup

    def __init__(self, name: str, args: NetworkArgs, opts: pulumi.ResourceOptions | None = None):
        check(bool(args.listener_ports), "NetworkArgs", "listener_ports", args.listener_ports,
              "must name at least one port", "pass [80] or [80, 443]")
        check(bool(args.ingress_cidrs), "NetworkArgs", "ingress_cidrs", args.ingress_cidrs,
              "must hold at least one CIDR", 'pass ["0.0.0.0/0"] or a narrower range')
        if args.vpc_id:
            check(len(args.public_subnet_ids) >= 2, "NetworkArgs", "public_subnet_ids",
                  list(args.public_subnet_ids), "needs >= 2 subnets with vpc_id (the ALB spans 2 AZs)",
                  "list the VPC's public subnets")
            check(len(args.private_subnet_ids) >= 1, "NetworkArgs", "private_subnet_ids",
                  list(args.private_subnet_ids), "needs >= 1 subnet with vpc_id", "list the VPC's private subnets")
        else:
            check(not args.public_subnet_ids and not args.private_subnet_ids, "NetworkArgs",
                  "public_subnet_ids", list(args.public_subnet_ids),
                  "subnet ids need vpc_id", "give vpc_id too, or no subnets to create a VPC")
            check(2 <= args.availability_zones <= 6, "NetworkArgs", "availability_zones",
                  args.availability_zones, "must be between 2 and 6", "choose 2 or 3")
            check(args.nat_gateways in ("single", "onePerAz"), "NetworkArgs", "nat_gateways",
                  args.nat_gateways, "must be single or onePerAz", "choose single (dev) or onePerAz (prod)")
        super().__init__("healthkit:network:Network", name, None, opts)

        if args.vpc_id:
            self.vpc_id = pulumi.Output.from_input(args.vpc_id)
            self.public_subnet_ids = pulumi.Output.from_input(list(args.public_subnet_ids))
            self.private_subnet_ids = pulumi.Output.from_input(list(args.private_subnet_ids))
        else:
            import pulumi_awsx as awsx  # opaque to mocks; fine for the VPC

            strategy = (awsx.ec2.NatGatewayStrategy.SINGLE if args.nat_gateways == "single"
                        else awsx.ec2.NatGatewayStrategy.ONE_PER_AZ)
            vpc = awsx.ec2.Vpc(
                f"{name}-vpc",
                cidr_block=args.cidr_block,
                number_of_availability_zones=args.availability_zones,
                nat_gateways=awsx.ec2.NatGatewayConfigurationArgs(strategy=strategy),
                subnet_strategy=awsx.ec2.SubnetAllocationStrategy.AUTO,
                subnet_specs=[
                    awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PUBLIC),
                    awsx.ec2.SubnetSpecArgs(type=awsx.ec2.SubnetType.PRIVATE),
                ],
                enable_dns_hostnames=True,
                enable_dns_support=True,
                tags=args.tags,
                opts=pulumi.ResourceOptions(parent=self),
            )
            self.vpc_id = vpc.vpc_id
            self.public_subnet_ids = vpc.public_subnet_ids
            self.private_subnet_ids = vpc.private_subnet_ids

        child = pulumi.ResourceOptions(parent=self)

        def group(role: str, description: str) -> aws.ec2.SecurityGroup:
            return aws.ec2.SecurityGroup(
                f"{name}-{role}-sg", vpc_id=self.vpc_id, description=description,
                revoke_rules_on_delete=True, tags={**args.tags, "Name": f"{name}-{role}"}, opts=child)

        self.alb_security_group = group("alb", "ALB: listener ports from the allowed CIDRs")
        self.api_security_group = group("api", "api tasks: app port from the ALB only")
        self.worker_security_group = group("worker", "worker tasks: no ingress")

        for port in sorted(set(args.listener_ports)):
            for i, cidr in enumerate(args.ingress_cidrs):
                aws.vpc.SecurityGroupIngressRule(
                    f"{name}-alb-in-{port}-{i}", security_group_id=self.alb_security_group.id,
                    ip_protocol="tcp", from_port=port, to_port=port, cidr_ipv4=cidr,
                    description=f"listener {port}", tags=args.tags, opts=child)
        aws.vpc.SecurityGroupEgressRule(
            f"{name}-alb-out-api", security_group_id=self.alb_security_group.id,
            ip_protocol="tcp", from_port=args.app_port, to_port=args.app_port,
            referenced_security_group_id=self.api_security_group.id,
            description="to api tasks", tags=args.tags, opts=child)
        aws.vpc.SecurityGroupIngressRule(
            f"{name}-api-in-alb", security_group_id=self.api_security_group.id,
            ip_protocol="tcp", from_port=args.app_port, to_port=args.app_port,
            referenced_security_group_id=self.alb_security_group.id,
            description="from the ALB", tags=args.tags, opts=child)
        for role, sg in (("api", self.api_security_group), ("worker", self.worker_security_group)):
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-{role}-out-https", security_group_id=sg.id, ip_protocol="tcp",
                from_port=443, to_port=443, cidr_ipv4="0.0.0.0/0",
                description="AWS APIs (SQS, ECR, Secrets Manager, CloudWatch)", tags=args.tags, opts=child)

        self.register_outputs({
            "vpcId": self.vpc_id,
            "publicSubnetIds": self.public_subnet_ids,
            "privateSubnetIds": self.private_subnet_ids,
            "albSecurityGroupId": self.alb_security_group.id,
            "apiSecurityGroupId": self.api_security_group.id,
            "workerSecurityGroupId": self.worker_security_group.id,
        })
