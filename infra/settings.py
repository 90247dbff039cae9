"""The stack's settings: one typed object, built once from stack config, validated as a whole.

Every setting is declared once, here, as a field of :class:`Settings` with its config key, type,
default and rule. ``Pulumi.yaml``'s ``config:`` block and ``docs/infra.md`` repeat them for humans
and the CLI; tests check the three agree.

:func:`load_settings` parses raw config values (strings, as the engine passes them, or plain
values), collects EVERY violation (type errors and rules) and raises one :class:`SettingsError`
listing each as (setting, value, rule, fix). Nothing here imports Pulumi.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from infra import invariants as inv

PROJECT = "healthkit-fargate"

#: Settings that may be stored with ``pulumi config set --secret``: the program keeps them secret
#: in the state. Every other setting is plain configuration (secrets such as the Django key and
#: the database password are generated in AWS and never pass through config).
SECRET_CAPABLE = frozenset({"alarmEmail"})

#: Pulumi project config types (Pulumi.yaml ``config:`` ``type``).
_TYPES = ("string", "integer", "boolean", "array")


def _setting(key: str, type_: str, default: Any, description: str) -> Any:
    """A Settings field bound to config ``key`` (Pulumi project config type ``type_``)."""
    assert type_ in _TYPES, type_
    meta = {"key": key, "type": type_, "description": description}
    if isinstance(default, list):
        return field(default_factory=lambda d=tuple(default): list(d), metadata=meta)
    return field(default=default, metadata=meta)


@dataclass(frozen=True)
class SettingSpec:
    """One stack setting as declared in :class:`Settings` (key, type, default, description)."""

    key: str
    attribute: str
    type: str
    default: Any
    description: str


@dataclass(frozen=True)
class Violation:
    """One broken rule: which setting, its value, the rule, and how to fix it."""

    setting: str
    value: Any
    rule: str
    fix: str

    def __str__(self) -> str:
        return f"{self.setting} = {self.value!r}: {self.rule}; fix: {self.fix}"


class SettingsError(ValueError):
    """Stack config that breaks one or more rules; ``violations`` lists every one."""

    def __init__(self, stack: str, violations: list[Violation]):
        self.stack = stack
        self.violations = list(violations)
        lines = [f"invalid configuration for stack '{stack}' ({len(violations)} problem(s)):"]
        lines += [f"  - {v}" for v in violations]
        super().__init__("\n".join(lines))


@dataclass(frozen=True)
class Settings:
    """Everything the stack program needs, typed. Build it with :func:`load_settings`."""

    # Identity (not config keys: the engine gives them).
    stack: str = field(default="dev", metadata={"internal": True})
    region: str = field(default="us-east-1", metadata={"internal": True})
    secret_keys: frozenset = field(default=frozenset(), metadata={"internal": True})
    """Settings given with ``pulumi config set --secret`` (only SECRET_CAPABLE ones may be)."""

    # --- General ---
    environment: str = _setting(
        "environment", "string", "dev",
        "The stack's environment: `dev` or `prod`; the Environment tag and HEALTHKIT_ENVIRONMENT "
        "(the app's metric dimension). Deployed containers always run DJANGO_ENV=prod. A `prod` "
        "environment requires protectStatefulResources. Default: dev.")
    app_name: str = _setting(
        "appName", "string", "healthkit",
        "Prefix of every physical name (`<appName>-<stack>-...`): 2-20 lowercase letters, "
        "digits or hyphens, starting with a letter. Default: healthkit.")
    protect_stateful_resources: bool = _setting(
        "protectStatefulResources", "boolean", False,
        "Protect stateful resources from deletion: Pulumi `protect` on the queues, repository, "
        "secrets, log group and database; deletion protection on the ALB and database; a final "
        "database snapshot; a 30-day secret recovery window. Required when environment is prod. "
        "Default: false.")

    role_permissions_boundary: str = _setting(
        "rolePermissionsBoundary", "string", "",
        "Permissions boundary on every IAM role the stack creates: a policy name in the stack's "
        "account or a policy ARN. When CI deploys with the bootstrap's deploy role "
        "(bootstrap/) set it to `ci-<appName>-workload-boundary`: that role may only create "
        "roles carrying it. Empty: no boundary. Default: empty.")

    # --- Image and registry ---
    image: str = _setting(
        "image", "string", "",
        "The image both services run, from this stack's ECR repository: "
        "`<account>.dkr.ecr.<region>.amazonaws.com/<appName>-<stack>@sha256:<64 hex>` (pinned) or "
        "`...:<tag>` (resolved to its digest at deploy time). Empty: build `dockerfile` from "
        "`dockerContext` and push it (needs Docker where `pulumi up` runs). Default: empty.")
    docker_context: str = _setting(
        "dockerContext", "string", ".",
        "Docker build context, relative to the repository root; used when image is empty. "
        "Default: `.`.")
    dockerfile: str = _setting(
        "dockerfile", "string", "Dockerfile",
        "Dockerfile path, relative to the repository root; used when image is empty. "
        "Default: Dockerfile.")
    cpu_architecture: str = _setting(
        "cpuArchitecture", "string", "X86_64",
        "CPU architecture of both task definitions (and of the built image): `X86_64` or "
        "`ARM64`. Fargate Spot runs X86_64 only. Default: X86_64.")
    ecr_max_images: int = _setting(
        "ecrMaxImages", "integer", 50,
        "Lifecycle policy: keep at most this many images in the repository (older ones expire; "
        "keep enough to roll back). 1-1000. Default: 50.")
    ecr_untagged_expiry_days: int = _setting(
        "ecrUntaggedExpiryDays", "integer", 7,
        "Lifecycle policy: untagged images expire after this many days. 1-3650. Default: 7.")

    # --- Queue and Celery ---
    task_time_limit_seconds: int = _setting(
        "taskTimeLimitSeconds", "integer", 300,
        "Celery hard task time limit (CELERY_TASK_TIME_LIMIT), seconds. The queue's "
        "VisibilityTimeout is derived from it (+60 s) so a running task is never handed to a "
        "second worker. 1-43140. Default: 300.")
    task_soft_time_limit_seconds: int = _setting(
        "taskSoftTimeLimitSeconds", "integer", 240,
        "Celery soft task time limit (CELERY_TASK_SOFT_TIME_LIMIT), seconds. Must be below "
        "taskTimeLimitSeconds. Default: 240.")
    queue_visibility_timeout_seconds: int = _setting(
        "queueVisibilityTimeoutSeconds", "integer", 0,
        "The queue's VisibilityTimeout, seconds. 0 derives it: taskTimeLimitSeconds + 60. "
        "Otherwise it must be >= taskTimeLimitSeconds + 60 and <= 43200. It governs redelivery "
        "(kombu's visibility_timeout has no effect with predefined queues). Default: 0.")
    queue_max_receive_count: int = _setting(
        "queueMaxReceiveCount", "integer", 5,
        "Receives before a message moves to the dead-letter queue (redrive maxReceiveCount). "
        "1-1000. Default: 5.")
    queue_message_retention_seconds: int = _setting(
        "queueMessageRetentionSeconds", "integer", 345600,
        "How long the main queue keeps a message, seconds. 60-1209600; the dead-letter queue "
        "keeps 14 days. Default: 345600 (4 days).")
    worker_concurrency: int = _setting(
        "workerConcurrency", "integer", 2,
        "Worker processes per task (CELERY_WORKER_CONCURRENCY). 1-64. Default: 2.")
    worker_soft_shutdown_seconds: int = _setting(
        "workerSoftShutdownSeconds", "integer", 90,
        "Seconds a worker keeps finishing in-flight tasks after SIGTERM "
        "(CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT). Must stay below the container stopTimeout "
        "(120). Default: 90.")
    worker_heartbeat_max_age_seconds: int = _setting(
        "workerHeartbeatMaxAgeSeconds", "integer", 60,
        "Age after which the worker's heartbeat file is stale and its health check fails "
        "(CELERY_WORKER_HEARTBEAT_MAX_AGE), seconds. 10-3600. Default: 60.")
    import_chunk_size: int = _setting(
        "importChunkSize", "integer", 1000,
        "Samples per chunk task (HEALTHKIT_IMPORT_CHUNK_SIZE). 1-100000. Default: 1000.")

    # --- Worker service ---
    worker_cpu: int = _setting(
        "workerCpu", "integer", 512,
        "Worker task cpu units; with workerMemory a pair Fargate accepts. Default: 512.")
    worker_memory: int = _setting(
        "workerMemory", "integer", 1024,
        "Worker task memory, MiB; with workerCpu a pair Fargate accepts. Default: 1024.")
    worker_min_count: int = _setting(
        "workerMinCount", "integer", 1,
        "Fewest worker tasks. At least 1, so a single message is always served. Default: 1.")
    worker_max_count: int = _setting(
        "workerMaxCount", "integer", 4,
        "Most worker tasks; >= workerMinCount. Default: 4.")
    worker_spot_percent: int = _setting(
        "workerSpotPercent", "integer", 0,
        "Share of worker tasks (above workerOnDemandBase) placed on FARGATE_SPOT, percent. "
        "0-100; above 0 requires cpuArchitecture X86_64. Default: 0.")
    worker_on_demand_base: int = _setting(
        "workerOnDemandBase", "integer", 0,
        "Worker tasks always placed on on-demand FARGATE before the Spot share applies. "
        "0..workerMaxCount. Default: 0.")
    worker_backlog_per_task: int = _setting(
        "workerBacklogPerTask", "integer", 10,
        "Scaling target: visible messages per running worker task. Lower scales out sooner. "
        ">= 1. Default: 10.")

    # --- API service ---
    api_cpu: int = _setting(
        "apiCpu", "integer", 512,
        "Api task cpu units (shared by the api and migrate containers); with apiMemory a pair "
        "Fargate accepts. Default: 512.")
    api_memory: int = _setting(
        "apiMemory", "integer", 1024,
        "Api task memory, MiB; with apiCpu a pair Fargate accepts. Default: 1024.")
    api_min_count: int = _setting(
        "apiMinCount", "integer", 1,
        "Fewest api tasks. >= 1. Default: 1.")
    api_max_count: int = _setting(
        "apiMaxCount", "integer", 4,
        "Most api tasks; >= apiMinCount. Default: 4.")
    api_cpu_target_percent: int = _setting(
        "apiCpuTargetPercent", "integer", 60,
        "Api target tracking on average CPU, percent; 0 disables it. 0 or 10-90; at least one "
        "of apiCpuTargetPercent and apiRequestsPerTarget must be set. Default: 60.")
    api_requests_per_target: int = _setting(
        "apiRequestsPerTarget", "integer", 0,
        "Api target tracking on ALB requests per target per minute; 0 disables it. "
        "Default: 0.")
    gunicorn_workers: int = _setting(
        "gunicornWorkers", "integer", 2,
        "Gunicorn worker processes per api task (GUNICORN_WORKERS). 1-32. Default: 2.")
    gunicorn_threads: int = _setting(
        "gunicornThreads", "integer", 4,
        "Threads per gunicorn worker (GUNICORN_THREADS). 1-64. Default: 4.")
    scale_in_cooldown_seconds: int = _setting(
        "scaleInCooldownSeconds", "integer", 300,
        "Target tracking scale-in cooldown for both services, seconds. 0-3600. Default: 300.")
    scale_out_cooldown_seconds: int = _setting(
        "scaleOutCooldownSeconds", "integer", 60,
        "Target tracking scale-out cooldown for both services, seconds. 0-3600. Default: 60.")

    # --- Network and load balancer ---
    vpc_id: str = _setting(
        "vpcId", "string", "",
        "Existing VPC to deploy into (`vpc-...`); needs publicSubnetIds (>= 2, for the ALB) and "
        "privateSubnetIds (>= 1, for tasks and database, with a route to the internet or VPC "
        "endpoints). Empty: a new VPC. Default: empty.")
    public_subnet_ids: list = _setting(
        "publicSubnetIds", "array", [],
        "Public subnets of vpcId for the ALB (`subnet-...`, >= 2 in different AZs). Only with "
        "vpcId. Default: [].")
    private_subnet_ids: list = _setting(
        "privateSubnetIds", "array", [],
        "Private subnets of vpcId for the tasks and database (`subnet-...`, >= 1; >= 2 in "
        "different AZs when the stack creates the database). Only with vpcId. Default: [].")
    vpc_cidr: str = _setting(
        "vpcCidr", "string", "10.0.0.0/16",
        "CIDR block of a new VPC, prefix /16 to /24. Default: 10.0.0.0/16.")
    availability_zones: int = _setting(
        "availabilityZones", "integer", 2,
        "Availability zones of a new VPC (public + private subnet in each). 2-6. Default: 2.")
    nat_gateways: str = _setting(
        "natGateways", "string", "single",
        "NAT gateways of a new VPC: `single` (cheap, one AZ's failure cuts egress) or "
        "`onePerAz`. Default: single.")
    certificate_arn: str = _setting(
        "certificateArn", "string", "",
        "ACM certificate (same region) for an HTTPS listener on 443; port 80 then redirects to "
        "HTTPS. Empty: plain HTTP on port 80. Default: empty.")
    domain_name: str = _setting(
        "domainName", "string", "",
        "Host name clients use (a DNS record you point at the ALB); added to "
        "DJANGO_ALLOWED_HOSTS next to the ALB's own name, and used in the apiUrl output. "
        "Default: empty.")
    alb_ingress_cidrs: list = _setting(
        "albIngressCidrs", "array", ["0.0.0.0/0"],
        "IPv4 CIDRs allowed to reach the ALB's listener ports. At least one. "
        "Default: [\"0.0.0.0/0\"].")
    admin_allowed_cidrs: list = _setting(
        "adminAllowedCidrs", "array", [],
        "IPv4 CIDRs from which the Django admin (/admin) is reachable through the ALB; at most 4. "
        "Empty: the admin is off (HEALTHKIT_ADMIN_ENABLED=false) and the ALB answers /admin* "
        "with 404 itself. Default: [] (off).")
    alb_idle_timeout_seconds: int = _setting(
        "albIdleTimeoutSeconds", "integer", 60,
        "ALB idle connection timeout, seconds. 1-4000. Default: 60.")
    deregistration_delay_seconds: int = _setting(
        "deregistrationDelaySeconds", "integer", 30,
        "Seconds the target group drains a stopping api task (keep it >= the gunicorn request "
        "timeout, 30 s). 0-3600. Default: 30.")
    health_check_grace_period_seconds: int = _setting(
        "healthCheckGracePeriodSeconds", "integer", 60,
        "Seconds ECS ignores failing ALB health checks of a new api task (migrations run "
        "first). 0-7200. Default: 60.")

    # --- Database ---
    database: str = _setting(
        "database", "string", "create",
        "`create`: an RDS PostgreSQL instance (encrypted, private, password managed by RDS in "
        "Secrets Manager); `existing`: dbHost + dbSecretArn. Default: create.")
    db_instance_class: str = _setting(
        "dbInstanceClass", "string", "db.t4g.micro",
        "RDS instance class (database=create). Default: db.t4g.micro.")
    db_engine_version: str = _setting(
        "dbEngineVersion", "string", "16",
        "PostgreSQL major version (database=create); minor versions upgrade automatically. "
        "Default: 16.")
    db_allocated_storage_gb: int = _setting(
        "dbAllocatedStorageGb", "integer", 20,
        "Initial gp3 storage, GiB (database=create). 20-65536. Default: 20.")
    db_max_allocated_storage_gb: int = _setting(
        "dbMaxAllocatedStorageGb", "integer", 100,
        "Storage autoscaling ceiling, GiB; 0 disables autoscaling, else >= "
        "dbAllocatedStorageGb. Default: 100.")
    db_multi_az: bool = _setting(
        "dbMultiAz", "boolean", False,
        "Standby in a second AZ (database=create). Default: false.")
    db_backup_retention_days: int = _setting(
        "dbBackupRetentionDays", "integer", 7,
        "Automated backup retention, days (database=create). 0-35; >= 1 when "
        "protectStatefulResources. Default: 7.")
    db_name: str = _setting(
        "dbName", "string", "healthkit",
        "Database name (DB_NAME): a letter then letters, digits or underscores, <= 63. "
        "Default: healthkit.")
    db_host: str = _setting(
        "dbHost", "string", "",
        "Host of an existing PostgreSQL (database=existing, required). Default: empty.")
    db_port: int = _setting(
        "dbPort", "integer", 5432,
        "PostgreSQL port (DB_PORT). 1150-65535. Default: 5432.")
    db_secret_arn: str = _setting(
        "dbSecretArn", "string", "",
        "Secrets Manager secret of an existing database (database=existing, required): JSON "
        "with `username` and `password` keys. Default: empty.")
    db_ssl_mode: str = _setting(
        "dbSslMode", "string", "require",
        "libpq sslmode (DB_SSLMODE): disable, allow, prefer, require, verify-ca or "
        "verify-full. Default: require.")

    # --- Logs, alarms, dashboard ---
    log_retention_days: int = _setting(
        "logRetentionDays", "integer", 30,
        "Retention of the services' log group, days; one of CloudWatch's values (1, 3, 5, 7, "
        "14, 30, 60, 90, 120, 150, 180, 365, ...). Default: 30.")
    alarm_email: str = _setting(
        "alarmEmail", "string", "",
        "E-mail address subscribed to the alarm topic (confirm the subscription mail). Empty: "
        "no subscription. Default: empty.")
    alarm_oldest_message_age_seconds: int = _setting(
        "alarmOldestMessageAgeSeconds", "integer", 900,
        "Alarm when the oldest message in the queue is older than this, seconds. > 0. "
        "Default: 900.")
    alarm_queue_depth: int = _setting(
        "alarmQueueDepth", "integer", 1000,
        "Alarm when more messages than this are waiting in the queue. > 0. Default: 1000.")
    alarm_api_5xx_count: int = _setting(
        "alarmApi5xxCount", "integer", 10,
        "Alarm when the api answers more 5xx than this in 5 minutes (targets + ALB). > 0. "
        "Default: 10.")
    alarm_api_latency_p95_ms: int = _setting(
        "alarmApiLatencyP95Ms", "integer", 2000,
        "Alarm when the api's p95 target response time exceeds this, milliseconds. > 0. "
        "Default: 2000.")
    alarm_cpu_percent: int = _setting(
        "alarmCpuPercent", "integer", 85,
        "Alarm when a service's average CPU exceeds this, percent. 1-100. Default: 85.")
    alarm_memory_percent: int = _setting(
        "alarmMemoryPercent", "integer", 85,
        "Alarm when a service's average memory exceeds this, percent. 1-100. Default: 85.")
    emf_namespace: str = _setting(
        "emfNamespace", "string", "HealthKitImport",
        "CloudWatch namespace of the app's EMF metrics (AWS_EMF_NAMESPACE), shown on the "
        "dashboard. Default: HealthKitImport.")
    emf_service_name: str = _setting(
        "emfServiceName", "string", "healthkit",
        "EMF ServiceName dimension (AWS_EMF_SERVICE_NAME). Default: healthkit.")

    # --- Derived values ------------------------------------------------------------------------

    @property
    def name_prefix(self) -> str:
        """Prefix of physical names: ``<appName>-<stack>``."""
        return f"{self.app_name}-{self.stack}"

    @property
    def visibility_timeout_seconds(self) -> int:
        """The queue's VisibilityTimeout: explicit, or derived from the task time limit."""
        if self.queue_visibility_timeout_seconds:
            return self.queue_visibility_timeout_seconds
        return inv.visibility_timeout_for(self.task_time_limit_seconds)

    @property
    def builds_image(self) -> bool:
        """True when the stack builds the image from the Dockerfile (no ``image`` setting)."""
        return not self.image

    @property
    def creates_vpc(self) -> bool:
        return not self.vpc_id

    @property
    def creates_database(self) -> bool:
        return self.database == "create"

    @property
    def https(self) -> bool:
        return bool(self.certificate_arn)

    @property
    def tags(self) -> dict[str, str]:
        """Tags on every taggable resource."""
        return {
            "Project": self.app_name,
            "Stack": self.stack,
            "Environment": self.environment,
            "ManagedBy": "pulumi",
        }


def setting_specs() -> list[SettingSpec]:
    """Every config setting, in declaration order."""
    specs = []
    for f in dataclasses.fields(Settings):
        if f.metadata.get("internal"):
            continue
        default = f.default_factory() if f.default_factory is not dataclasses.MISSING else f.default
        specs.append(SettingSpec(
            key=f.metadata["key"], attribute=f.name, type=f.metadata["type"],
            default=default, description=f.metadata["description"],
        ))
    return specs


# --- Parsing ------------------------------------------------------------------------------------

def _parse(spec: SettingSpec, raw: Any) -> Any:
    """Parse one raw config value (engine strings or plain values) to the setting's type."""
    if spec.type == "string":
        if not isinstance(raw, str):
            raise ValueError("must be a string")
        return raw.strip()
    if spec.type == "integer":
        if isinstance(raw, bool):
            raise ValueError("must be an integer")
        if isinstance(raw, int):
            return raw
        if isinstance(raw, float) and raw.is_integer():
            return int(raw)
        if isinstance(raw, str) and re.fullmatch(r"-?\d+", raw.strip()):
            return int(raw.strip())
        raise ValueError("must be an integer")
    if spec.type == "boolean":
        if isinstance(raw, bool):
            return raw
        if isinstance(raw, str) and raw.strip().lower() in ("true", "false"):
            return raw.strip().lower() == "true"
        raise ValueError("must be true or false")
    # array of strings
    value = raw
    if isinstance(raw, str):
        try:
            value = json.loads(raw) if raw.strip() else []
        except json.JSONDecodeError as exc:
            raise ValueError("must be a list (JSON array) of strings") from exc
    if not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise ValueError("must be a list of strings")
    return [v.strip() for v in value]


def load_settings(
    values: Mapping[str, Any], *, stack: str, region: str | None, secret_keys: Iterable[str] = (),
) -> Settings:
    """Build and validate :class:`Settings` from config values keyed by setting key.

    ``values`` holds only the keys that are set (missing keys take the declared default); keys
    may carry the ``healthkit-fargate:`` namespace. Raises :class:`SettingsError` listing every
    violation: unknown keys, type errors, and each rule of :func:`validate`.
    """
    specs = {s.key: s for s in setting_specs()}
    violations: list[Violation] = []
    parsed: dict[str, Any] = {}
    for raw_key, raw in values.items():
        key = raw_key.split(":", 1)[1] if raw_key.startswith(f"{PROJECT}:") else raw_key
        spec = specs.get(key)
        if spec is None:
            close = _closest(key, specs)
            violations.append(Violation(
                key, raw, "is not a setting of this project",
                f"remove it{f' (did you mean {close}?)' if close else ''}; see docs/infra.md"))
            continue
        try:
            parsed[spec.attribute] = _parse(spec, raw)
        except ValueError as exc:
            violations.append(Violation(
                key, raw, f"{exc} ({spec.type})", f"set a valid {spec.type}, e.g. {spec.default!r}"))
    secret = frozenset(k.split(":", 1)[1] if k.startswith(f"{PROJECT}:") else k for k in secret_keys)
    for key in sorted(secret - SECRET_CAPABLE):
        if key in specs:
            violations.append(Violation(
                key, "[secret]", "is plain configuration and would be stored unencrypted in the state",
                f"pulumi config set {key} <value> (without --secret)"))
    if not region:
        violations.append(Violation(
            "aws:region", region, "is required", "pulumi config set aws:region <region>"))
    settings = Settings(stack=stack, region=region or "", secret_keys=secret & SECRET_CAPABLE, **parsed)
    violations += validate(settings, skip={v.setting for v in violations})
    if violations:
        raise SettingsError(stack, violations)
    return settings


def _closest(key: str, specs: Mapping[str, SettingSpec]) -> str | None:
    import difflib

    match = difflib.get_close_matches(key, list(specs), n=1, cutoff=0.6)
    return match[0] if match else None


# --- Rules --------------------------------------------------------------------------------------

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
    in_range("ecrUntaggedExpiryDays", s.ecr_untagged_expiry_days, 1, 3650)

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
    rule("workerSpotPercent", s.worker_spot_percent,
         s.worker_spot_percent == 0 or s.cpu_architecture == "X86_64",
         "Fargate Spot runs X86_64 tasks only", "set workerSpotPercent to 0 or cpuArchitecture to X86_64")
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
