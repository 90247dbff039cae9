"""The database: an RDS PostgreSQL instance the stack creates, or an existing database.

Created: encrypted, private (no public access), reachable only from the task security groups,
TLS enforced (``rds.force_ssl``), master password generated and kept by RDS in Secrets Manager
(``manage_master_user_password``; JSON keys ``username`` / ``password``).
Existing: its host and the ARN of a secret with the same two keys.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra.args import check


@dataclass
class DatabaseArgs:
    """Arguments of :class:`Database`."""

    identifier: str
    """RDS instance identifier (mode ``create``). Required; lowercase, starts with a letter."""

    client_security_group_ids: Sequence[pulumi.Input[str]]
    """Security groups of the tasks that may connect; they get egress to the database port and
    (mode ``create``) the database accepts only them. Required."""

    mode: str = "create"
    """``create`` (an RDS instance) or ``existing``. Default: create."""

    vpc_id: pulumi.Input[str] | None = None
    """VPC of the database security group; required for ``create``. Default: none."""

    subnet_ids: pulumi.Input[Sequence[str]] | None = None
    """Private subnets (>= 2 AZs) of the DB subnet group; required for ``create``. Default: none."""

    db_name: str = "healthkit"
    """Database name. Default: healthkit."""

    port: int = 5432
    """Port. Default: 5432."""

    instance_class: str = "db.t4g.micro"
    """Instance class. Default: db.t4g.micro."""

    engine_version: str = "16"
    """PostgreSQL version (major, or major.minor). Default: 16."""

    allocated_storage_gb: int = 20
    """Initial gp3 storage, GiB. >= 20. Default: 20."""

    max_allocated_storage_gb: int = 100
    """Storage autoscaling ceiling, GiB; 0 disables it. Default: 100."""

    multi_az: bool = False
    """Standby in a second AZ. Default: false."""

    backup_retention_days: int = 7
    """Automated backups kept, days. 0-35. Default: 7."""

    master_username: str = "healthkit"
    """Master user name (the app connects as this user). Default: healthkit."""

    existing_host: str = ""
    """Host of an existing database; required for ``existing``. Default: empty."""

    existing_secret_arn: str = ""
    """Secret (JSON ``username``/``password``) of an existing database; required for
    ``existing``. Default: empty."""

    protect: bool = False
    """Deletion protection, Pulumi ``protect``, a final snapshot and changes applied in the
    maintenance window (prod). Default: false."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags. Default: none."""


class Database(pulumi.ComponentResource):
    """RDS PostgreSQL (or an existing database) and the network path from the tasks to it."""

    host: pulumi.Output[str]
    port: pulumi.Output[int]
    db_name: pulumi.Output[str]
    secret_arn: pulumi.Output[str]
    instance: aws.rds.Instance | None
    security_group: aws.ec2.SecurityGroup | None

    def __init__(self, name: str, args: DatabaseArgs, opts: pulumi.ResourceOptions | None = None):
        check(args.mode in ("create", "existing"), "DatabaseArgs", "mode", args.mode,
              "must be create or existing", "choose one")
        check(bool(args.client_security_group_ids), "DatabaseArgs", "client_security_group_ids",
              args.client_security_group_ids, "must name the task security groups", "pass the api and worker groups")
        if args.mode == "create":
            check(bool(re.fullmatch(r"[a-z][a-z0-9-]{0,62}", args.identifier)) and "--" not in args.identifier
                  and not args.identifier.endswith("-"), "DatabaseArgs", "identifier", args.identifier,
                  "must be 1-63 lowercase letters, digits or single hyphens, starting with a letter",
                  "e.g. healthkit-dev-db")
            check(args.vpc_id is not None and args.subnet_ids is not None, "DatabaseArgs", "subnet_ids",
                  args.subnet_ids, "vpc_id and subnet_ids are required to create a database",
                  "pass the network's VPC and private subnets")
            check(args.allocated_storage_gb >= 20, "DatabaseArgs", "allocated_storage_gb",
                  args.allocated_storage_gb, "must be >= 20 (gp3 minimum)", "use 20")
            check(args.max_allocated_storage_gb == 0 or args.max_allocated_storage_gb > args.allocated_storage_gb,
                  "DatabaseArgs", "max_allocated_storage_gb", args.max_allocated_storage_gb,
                  f"must be 0 or above allocated_storage_gb ({args.allocated_storage_gb})", "raise it or use 0")
            check(0 <= args.backup_retention_days <= 35, "DatabaseArgs", "backup_retention_days",
                  args.backup_retention_days, "must be between 0 and 35", "use 7")
        else:
            check(bool(args.existing_host), "DatabaseArgs", "existing_host", args.existing_host,
                  "is required when mode is existing", "pass the database host")
            check(args.existing_secret_arn.startswith("arn:"), "DatabaseArgs", "existing_secret_arn",
                  args.existing_secret_arn, "must be a Secrets Manager ARN when mode is existing",
                  "pass the secret's ARN")
        super().__init__("healthkit:database:Database", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        self.instance = None
        self.security_group = None
        if args.mode == "existing":
            self.host = pulumi.Output.from_input(args.existing_host)
            self.port = pulumi.Output.from_input(args.port)
            self.db_name = pulumi.Output.from_input(args.db_name)
            self.secret_arn = pulumi.Output.from_input(args.existing_secret_arn)
            for i, sg in enumerate(args.client_security_group_ids):
                aws.vpc.SecurityGroupEgressRule(
                    f"{name}-client-{i}-out", security_group_id=sg, ip_protocol="tcp",
                    from_port=args.port, to_port=args.port, cidr_ipv4="0.0.0.0/0",
                    description="existing PostgreSQL", tags=args.tags, opts=child)
            self.register_outputs({"host": self.host, "secretArn": self.secret_arn})
            return

        self.security_group = aws.ec2.SecurityGroup(
            f"{name}-sg", vpc_id=args.vpc_id, description="PostgreSQL: from the tasks only",
            revoke_rules_on_delete=True, tags={**args.tags, "Name": f"{name}-db"}, opts=child)
        for i, sg in enumerate(args.client_security_group_ids):
            aws.vpc.SecurityGroupIngressRule(
                f"{name}-in-client-{i}", security_group_id=self.security_group.id, ip_protocol="tcp",
                from_port=args.port, to_port=args.port, referenced_security_group_id=sg,
                description="from the tasks", tags=args.tags, opts=child)
            aws.vpc.SecurityGroupEgressRule(
                f"{name}-client-{i}-out", security_group_id=sg, ip_protocol="tcp",
                from_port=args.port, to_port=args.port, referenced_security_group_id=self.security_group.id,
                description="to PostgreSQL", tags=args.tags, opts=child)
        subnet_group = aws.rds.SubnetGroup(
            f"{name}-subnets", name=f"{args.identifier}-subnets", subnet_ids=args.subnet_ids,
            description=f"private subnets of {args.identifier}", tags=args.tags, opts=child)
        major = args.engine_version.split(".")[0]
        parameter_group = aws.rds.ParameterGroup(
            f"{name}-parameters", name=f"{args.identifier}-pg{major}", family=f"postgres{major}",
            description=f"{args.identifier}: TLS only",
            parameters=[aws.rds.ParameterGroupParameterArgs(name="rds.force_ssl", value="1")],
            tags=args.tags, opts=child)
        self.instance = aws.rds.Instance(
            f"{name}-instance",
            identifier=args.identifier,
            engine="postgres",
            engine_version=args.engine_version,
            auto_minor_version_upgrade=True,
            instance_class=args.instance_class,
            allocated_storage=args.allocated_storage_gb,
            max_allocated_storage=args.max_allocated_storage_gb or None,
            storage_type="gp3",
            storage_encrypted=True,
            db_name=args.db_name,
            port=args.port,
            username=args.master_username,
            manage_master_user_password=True,
            db_subnet_group_name=subnet_group.name,
            parameter_group_name=parameter_group.name,
            vpc_security_group_ids=[self.security_group.id],
            publicly_accessible=False,
            multi_az=args.multi_az,
            backup_retention_period=args.backup_retention_days,
            copy_tags_to_snapshot=True,
            deletion_protection=args.protect,
            skip_final_snapshot=not args.protect,
            final_snapshot_identifier=f"{args.identifier}-final" if args.protect else None,
            apply_immediately=not args.protect,
            tags=args.tags,
            opts=pulumi.ResourceOptions(parent=self, protect=args.protect),
        )
        self.host = self.instance.address
        self.port = self.instance.port
        self.db_name = pulumi.Output.from_input(args.db_name)
        self.secret_arn = self.instance.master_user_secrets.apply(lambda secrets: secrets[0].secret_arn)
        self.register_outputs({"host": self.host, "secretArn": self.secret_arn})
