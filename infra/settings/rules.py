"""Every rule a stack's settings must satisfy, each violation with its fix."""

from __future__ import annotations

import ipaddress
import re
from typing import Any

from infra import invariants as inv
from infra.settings.errors import Violation
from infra.settings.model import Settings


_ECR_IMAGE = re.compile(
    r"^(?P<account>\d{12})\.dkr\.ecr\.(?P<region>[a-z0-9-]+)\.amazonaws\.com/"
    r"(?P<repo>[a-z0-9][a-z0-9._/-]*)(?:@(?P<digest>sha256:[0-9a-f]{64})|:(?P<tag>[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}))$"
)
_HOST = re.compile(r"^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$")


def parse_image(image: str) -> dict[str, str] | None:
    """Split an ECR image reference into account, region, repo and digest or tag (or None)."""
    m = _ECR_IMAGE.match(image)
    return m.groupdict() if m else None


def validate(s: Settings, skip: set[str] = frozenset()) -> list[Violation]:
    """Every rule a stack's settings must satisfy; returns all violations (empty when valid).

    ``skip`` names settings whose value already failed to parse (their rules are not re-checked).
    """
    out: list[Violation] = []

    def rule(key: str, value: Any, ok: bool, text: str, fix: str) -> None:
        if key not in skip and not ok:
            out.append(Violation(key, value, text, fix))

    def in_range(key: str, value: int, lo: int, hi: int, unit: str = "") -> None:
        rule(key, value, lo <= value <= hi, f"must be between {lo} and {hi}{unit}",
             f"choose a value in {lo}..{hi}")

    # General
    rule("environment", s.environment, s.environment in ("dev", "prod"),
         "must be dev or prod", "set environment to dev or prod")
    rule("appName", s.app_name, bool(re.fullmatch(r"[a-z][a-z0-9-]{1,19}", s.app_name)),
         "must be 2-20 lowercase letters, digits or hyphens starting with a letter",
         "choose a short lowercase name such as healthkit")
    bucket_prefix = s.exports_bucket_prefix
    rule("appName", s.app_name,
         len(bucket_prefix) <= inv.S3_BUCKET_PREFIX_MAX and bool(re.fullmatch(r"[a-z0-9-]+", bucket_prefix)),
         f"with the stack name {s.stack!r} makes the exports bucket's name prefix {bucket_prefix!r} "
         f"({len(bucket_prefix)} characters); S3 takes at most {inv.S3_BUCKET_PREFIX_MAX} lowercase letters, "
         "digits and hyphens",
         f"use a lowercase stack name and keep appName and the stack name within "
         f"{inv.S3_BUCKET_PREFIX_MAX - len('--exports-')} characters together")
    rule("protectStatefulResources", s.protect_stateful_resources,
         s.environment != "prod" or s.protect_stateful_resources,
         "must be true when environment is prod (every stateful resource in prod is protected)",
         "set protectStatefulResources to true")

    boundary = s.role_permissions_boundary
    rule("rolePermissionsBoundary", boundary,
         not boundary or bool(re.fullmatch(r"[\w+=,.@-]{1,128}", boundary))
         or bool(re.fullmatch(r"arn:aws[a-z-]*:iam::\d{12}:policy/[\w+=,.@/-]{1,128}", boundary)),
         "must be an IAM policy name or policy ARN",
         "e.g. ci-healthkit-workload-boundary or arn:aws:iam::<account>:policy/<name>")

    # Image
    if s.image:
        parts = parse_image(s.image)
        rule("image", s.image, parts is not None,
             "must be an ECR reference <account>.dkr.ecr.<region>.amazonaws.com/<repo>@sha256:<64 hex> "
             "or ...:<tag>",
             "push to the stack's repository and set image to its digest reference")
        if parts is not None:
            rule("image", s.image, parts["repo"] == s.name_prefix and parts["region"] == s.region,
                 f"must come from this stack's repository {s.name_prefix} in {s.region} "
                 "(the execution role pulls from that repository only)",
                 f"push the image to the {s.name_prefix} repository (see the repositoryUrl output)")
    rule("cpuArchitecture", s.cpu_architecture, s.cpu_architecture in ("X86_64", "ARM64"),
         "must be X86_64 or ARM64", "set cpuArchitecture to X86_64 or ARM64")
    in_range("ecrMaxImages", s.ecr_max_images, 1, 1000)

    # Queue and Celery
    limit = s.task_time_limit_seconds
    in_range("taskTimeLimitSeconds", limit, 1, inv.SQS_MAX_VISIBILITY_SECONDS - inv.VISIBILITY_MARGIN_SECONDS,
             " seconds (the queue's VisibilityTimeout = limit + 60 must stay <= 43200)")
    rule("taskSoftTimeLimitSeconds", s.task_soft_time_limit_seconds,
         0 < s.task_soft_time_limit_seconds < limit,
         f"must be > 0 and below taskTimeLimitSeconds ({limit})",
         f"lower taskSoftTimeLimitSeconds below {limit} or raise taskTimeLimitSeconds")
    vis = s.queue_visibility_timeout_seconds
    needed = inv.visibility_timeout_for(limit)
    rule("queueVisibilityTimeoutSeconds", vis,
         vis == 0 or needed <= vis <= inv.SQS_MAX_VISIBILITY_SECONDS,
         f"must be 0 (derived) or >= taskTimeLimitSeconds ({limit}) + {inv.VISIBILITY_MARGIN_SECONDS} "
         f"= {needed} and <= {inv.SQS_MAX_VISIBILITY_SECONDS}, so a running task is never "
         "delivered to a second worker",
         f"raise queueVisibilityTimeoutSeconds to at least {needed}, lower taskTimeLimitSeconds, "
         "or set it to 0 to derive it")
    in_range("queueMaxReceiveCount", s.queue_max_receive_count, 1, inv.SQS_MAX_RECEIVE_COUNT)
    in_range("queueMessageRetentionSeconds", s.queue_message_retention_seconds,
             inv.SQS_MIN_RETENTION_SECONDS, inv.SQS_MAX_RETENTION_SECONDS, " seconds")
    in_range("workerConcurrency", s.worker_concurrency, 1, 64)
    rule("workerSoftShutdownSeconds", s.worker_soft_shutdown_seconds,
         0 < s.worker_soft_shutdown_seconds < inv.WORKER_STOP_TIMEOUT_SECONDS,
         f"must be > 0 and below the worker stopTimeout ({inv.WORKER_STOP_TIMEOUT_SECONDS} s), or "
         "ECS kills the worker mid-task",
         f"set workerSoftShutdownSeconds below {inv.WORKER_STOP_TIMEOUT_SECONDS}, e.g. 90")
    in_range("workerHeartbeatMaxAgeSeconds", s.worker_heartbeat_max_age_seconds, 10, 3600, " seconds")
    in_range("importChunkSize", s.import_chunk_size, 1, 100_000)

    # Task sizes and counts
    for prefix, cpu, memory in (("worker", s.worker_cpu, s.worker_memory), ("api", s.api_cpu, s.api_memory)):
        problem = inv.fargate_pair_problem(cpu, memory)
        if problem:
            key = f"{prefix}Cpu" if cpu not in inv.FARGATE_CPU_MEMORY else f"{prefix}Memory"
            rule(key, cpu if key.endswith("Cpu") else memory, False,
                 f"{prefix}Cpu {cpu} / {prefix}Memory {memory} is not a pair Fargate accepts: {problem}",
                 f"pick a supported pair, e.g. {prefix}Cpu 512 with {prefix}Memory 1024")
    for prefix, lo, hi in (("worker", s.worker_min_count, s.worker_max_count),
                           ("api", s.api_min_count, s.api_max_count)):
        rule(f"{prefix}MinCount", lo, lo >= 1,
             "must be >= 1" + (" (a single message must always be served)" if prefix == "worker" else ""),
             f"set {prefix}MinCount to 1 or more")
        rule(f"{prefix}MaxCount", hi, hi >= lo,
             f"must be >= {prefix}MinCount ({lo})",
             f"raise {prefix}MaxCount to at least {lo} or lower {prefix}MinCount")
        rule(f"{prefix}MaxCount", hi, hi <= 1000, "must be <= 1000", "lower it")
    in_range("workerSpotPercent", s.worker_spot_percent, 0, 100, " percent")
    spot_problem = inv.spot_platform_problem(s.cpu_architecture, inv.FARGATE_PLATFORM_VERSION)
    rule("workerSpotPercent", s.worker_spot_percent, s.worker_spot_percent == 0 or spot_problem is None,
         str(spot_problem), "set workerSpotPercent to 0")
    rule("workerOnDemandBase", s.worker_on_demand_base,
         0 <= s.worker_on_demand_base <= max(s.worker_max_count, 0),
         f"must be between 0 and workerMaxCount ({s.worker_max_count})",
         "lower workerOnDemandBase")
    rule("workerBacklogPerTask", s.worker_backlog_per_task, s.worker_backlog_per_task >= 1,
         "must be >= 1", "set a positive messages-per-task target")
    rule("apiCpuTargetPercent", s.api_cpu_target_percent,
         s.api_cpu_target_percent == 0 or 10 <= s.api_cpu_target_percent <= 90,
         "must be 0 (off) or between 10 and 90", "choose e.g. 60")
    rule("apiRequestsPerTarget", s.api_requests_per_target, s.api_requests_per_target >= 0,
         "must be >= 0 (0 is off)", "choose e.g. 500")
    rule("apiCpuTargetPercent", s.api_cpu_target_percent,
         s.api_cpu_target_percent > 0 or s.api_requests_per_target > 0,
         "api scaling needs a target: apiCpuTargetPercent or apiRequestsPerTarget must be > 0",
         "set apiCpuTargetPercent (e.g. 60) or apiRequestsPerTarget (e.g. 500)")
    in_range("gunicornWorkers", s.gunicorn_workers, 1, 32)
    in_range("gunicornThreads", s.gunicorn_threads, 1, 64)
    in_range("scaleInCooldownSeconds", s.scale_in_cooldown_seconds, 0, 3600, " seconds")
    in_range("scaleOutCooldownSeconds", s.scale_out_cooldown_seconds, 0, 3600, " seconds")

    # Network
    if s.vpc_id:
        rule("vpcId", s.vpc_id, bool(re.fullmatch(r"vpc-[0-9a-f]{8,17}", s.vpc_id)),
             "must look like vpc-0123456789abcdef0", "copy the id from the VPC console")
        rule("publicSubnetIds", s.public_subnet_ids, len(s.public_subnet_ids) >= 2,
             "needs at least 2 subnets (an ALB spans 2 AZs) when vpcId is set",
             "list the VPC's public subnets")
        needed_private = 2 if s.creates_database else 1
        rule("privateSubnetIds", s.private_subnet_ids, len(s.private_subnet_ids) >= needed_private,
             f"needs at least {needed_private} subnet(s) when vpcId is set"
             + (" (an RDS subnet group spans 2 AZs)" if needed_private == 2 else ""),
             "list the VPC's private subnets")
        for key, ids in (("publicSubnetIds", s.public_subnet_ids), ("privateSubnetIds", s.private_subnet_ids)):
            bad = [i for i in ids if not re.fullmatch(r"subnet-[0-9a-f]{8,17}", i)]
            rule(key, s.public_subnet_ids if key.startswith("public") else s.private_subnet_ids,
                 not bad, f"{bad} are not subnet ids (subnet-...)", "copy the ids from the VPC console")
    else:
        for key, ids in (("publicSubnetIds", s.public_subnet_ids), ("privateSubnetIds", s.private_subnet_ids)):
            rule(key, ids, not ids, "subnet ids are only used with vpcId",
                 "set vpcId too, or remove the subnet ids to create a VPC")
        try:
            net = ipaddress.IPv4Network(s.vpc_cidr)
            ok = 16 <= net.prefixlen <= 24
        except ValueError:
            ok = False
        rule("vpcCidr", s.vpc_cidr, ok, "must be an IPv4 CIDR block with a prefix from /16 to /24",
             "use e.g. 10.0.0.0/16")
        in_range("availabilityZones", s.availability_zones, 2, 6)
        rule("natGateways", s.nat_gateways, s.nat_gateways in ("single", "onePerAz"),
             "must be single or onePerAz", "set natGateways to single (dev) or onePerAz (prod)")
    if s.certificate_arn:
        rule("certificateArn", s.certificate_arn,
             bool(re.fullmatch(rf"arn:aws[a-z-]*:acm:{re.escape(s.region)}:\d{{12}}:certificate/[0-9a-f-]+",
                               s.certificate_arn)),
             f"must be an ACM certificate ARN in the stack's region ({s.region})",
             "request or import the certificate in ACM in this region and copy its ARN")
    rule("domainName", s.domain_name, not s.domain_name or bool(_HOST.match(s.domain_name)),
         "must be a host name (no scheme, port or path)", "e.g. api.example.com")
    cidrs_ok = bool(s.alb_ingress_cidrs)
    for cidr in s.alb_ingress_cidrs:
        try:
            ipaddress.IPv4Network(cidr)
        except ValueError:
            cidrs_ok = False
    rule("albIngressCidrs", s.alb_ingress_cidrs, cidrs_ok,
         "must be a non-empty list of IPv4 CIDR blocks", 'e.g. ["0.0.0.0/0"] or your office range')
    admin_ok = len(s.admin_allowed_cidrs) <= 4
    for cidr in s.admin_allowed_cidrs:
        try:
            admin_ok = admin_ok and ipaddress.IPv4Network(cidr).prefixlen > 0
        except ValueError:
            admin_ok = False
    rule("adminAllowedCidrs", s.admin_allowed_cidrs, admin_ok,
         "must be at most 4 IPv4 CIDR blocks, none of them 0.0.0.0/0 (the admin is never public)",
         'e.g. ["203.0.113.0/24"] (your operators\' network), or [] to keep the admin off')
    in_range("albIdleTimeoutSeconds", s.alb_idle_timeout_seconds, 1, 4000, " seconds")
    in_range("deregistrationDelaySeconds", s.deregistration_delay_seconds, 0, 3600, " seconds")
    in_range("healthCheckGracePeriodSeconds", s.health_check_grace_period_seconds, 0, 7200, " seconds")
    in_range("rolloutTimeoutMinutes", s.rollout_timeout_minutes, 5, 180, " minutes")

    # Database
    rule("database", s.database, s.database in ("create", "existing"),
         "must be create or existing", "set database to create or existing")
    if s.database == "create":
        rule("dbInstanceClass", s.db_instance_class, s.db_instance_class.startswith("db."),
             "must be an RDS instance class (db.*)", "e.g. db.t4g.micro")
        rule("dbEngineVersion", s.db_engine_version, bool(re.fullmatch(r"1[3-9](\.\d+)?", s.db_engine_version)),
             "must be a PostgreSQL version 13-19 (major, or major.minor)", "e.g. 16")
        in_range("dbAllocatedStorageGb", s.db_allocated_storage_gb, 20, 65536, " GiB")
        rule("dbMaxAllocatedStorageGb", s.db_max_allocated_storage_gb,
             s.db_max_allocated_storage_gb == 0
             or s.db_allocated_storage_gb < s.db_max_allocated_storage_gb <= 65536,
             f"must be 0 (off) or above dbAllocatedStorageGb ({s.db_allocated_storage_gb}) and <= 65536",
             "raise it or set 0")
        in_range("dbBackupRetentionDays", s.db_backup_retention_days, 0, 35, " days")
        rule("dbBackupRetentionDays", s.db_backup_retention_days,
             not s.protect_stateful_resources or s.db_backup_retention_days >= 1,
             "must be >= 1 when protectStatefulResources is true", "keep at least 1 day of backups")
    elif s.database == "existing":
        rule("dbHost", s.db_host, bool(s.db_host) and bool(_HOST.match(s.db_host)),
             "is required (a host name) when database is existing", "set dbHost to the database endpoint")
        rule("dbSecretArn", s.db_secret_arn,
             bool(re.fullmatch(r"arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:.+", s.db_secret_arn)),
             "is required (a Secrets Manager secret ARN with username/password keys) when database "
             "is existing", "set dbSecretArn to the secret's full ARN")
    rule("dbName", s.db_name, bool(re.fullmatch(r"[A-Za-z][A-Za-z0-9_]{0,62}", s.db_name)),
         "must start with a letter and hold letters, digits or underscores (<= 63)", "e.g. healthkit")
    in_range("dbPort", s.db_port, 1150, 65535)
    rule("dbSslMode", s.db_ssl_mode,
         s.db_ssl_mode in ("disable", "allow", "prefer", "require", "verify-ca", "verify-full"),
         "must be a libpq sslmode", "use require")

    # Exports
    in_range("exportRetentionDays", s.export_retention_days, 1, 3650)
    in_range("exportMaxBytes", s.export_max_bytes, inv.EXPORT_MIN_BYTES, inv.S3_POST_MAX_BYTES, " bytes")

    # Logs and alarms
    rule("logRetentionDays", s.log_retention_days, s.log_retention_days in inv.LOG_RETENTION_DAYS,
         f"must be one of CloudWatch's retention values {list(inv.LOG_RETENTION_DAYS)}",
         "pick the nearest listed value, e.g. 30")
    rule("alarmEmail", s.alarm_email,
         not s.alarm_email or bool(re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", s.alarm_email)),
         "must be an e-mail address", "e.g. oncall@example.com, or empty for no subscription")
    for key, value in (
        ("alarmOldestMessageAgeSeconds", s.alarm_oldest_message_age_seconds),
        ("alarmQueueDepth", s.alarm_queue_depth),
        ("alarmApi5xxCount", s.alarm_api_5xx_count),
        ("alarmApiLatencyP95Ms", s.alarm_api_latency_p95_ms),
        ("alarmFailedExports", s.alarm_failed_exports),
    ):
        rule(key, value, value > 0, "alarm thresholds must be positive", "set a value > 0")
    for key, value in (("alarmCpuPercent", s.alarm_cpu_percent), ("alarmMemoryPercent", s.alarm_memory_percent)):
        in_range(key, value, 1, 100, " percent")
    rule("emfNamespace", s.emf_namespace,
         bool(re.fullmatch(r"[A-Za-z0-9./_#:-]{1,255}", s.emf_namespace)) and not s.emf_namespace.startswith("AWS/"),
         "must be a custom CloudWatch namespace (not AWS/...; letters, digits, . / _ # : -)",
         "e.g. HealthKitImport")
    rule("emfServiceName", s.emf_service_name, bool(s.emf_service_name), "must not be empty", "e.g. healthkit")
    return out
