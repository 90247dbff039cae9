"""The stack's settings as one typed, frozen object: every setting with its config key, type,
default and description, and the values derived from them."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from infra import invariants as inv
from infra.settings.fields import SettingSpec, setting


@dataclass(frozen=True)
class Settings:
    """Everything the stack program needs, typed. Build it with :func:`load_settings`."""

    # Identity (not config keys: the engine gives them).
    stack: str = field(default="dev", metadata={"internal": True})
    region: str = field(default="us-east-1", metadata={"internal": True})
    secret_keys: frozenset = field(default=frozenset(), metadata={"internal": True})
    """Settings given with ``pulumi config set --secret`` (only SECRET_CAPABLE ones may be)."""

    # --- General ---
    environment: str = setting(
        "environment", "string", "dev",
        "The stack's environment: `dev` or `prod`; the Environment tag and HEALTHKIT_ENVIRONMENT "
        "(the app's metric dimension). Deployed containers always run DJANGO_ENV=prod. A `prod` "
        "environment requires protectStatefulResources. Default: dev.")
    app_name: str = setting(
        "appName", "string", "healthkit",
        "Prefix of every physical name (`<appName>-<stack>-...`): 2-20 lowercase letters, "
        "digits or hyphens, starting with a letter; with a lowercase stack name, at most 27 "
        "characters together (S3 takes 37 for `<appName>-<stack>-exports-`). Default: healthkit.")
    protect_stateful_resources: bool = setting(
        "protectStatefulResources", "boolean", False,
        "Protect stateful resources from deletion: Pulumi `protect` on the queues, repository, "
        "secrets, log group and database; deletion protection on the ALB and database; a final "
        "database snapshot; a 30-day secret recovery window. Required when environment is prod. "
        "Default: false.")

    role_permissions_boundary: str = setting(
        "rolePermissionsBoundary", "string", "",
        "Permissions boundary on every IAM role the stack creates: a policy name in the stack's "
        "account or a policy ARN. When CI deploys with the bootstrap's deploy role "
        "(bootstrap/) set it to `ci-<appName>-workload-boundary`: that role may only create "
        "roles carrying it (both stack files do). Empty: no boundary. Default: empty.")

    # --- Image and registry ---
    image: str = setting(
        "image", "string", "",
        "The image both services run, from this stack's ECR repository: "
        "`<account>.dkr.ecr.<region>.amazonaws.com/<appName>-<stack>@sha256:<64 hex>` (pinned) or "
        "`...:<tag>` (resolved to its digest at deploy time). Empty: build `dockerfile` from "
        "`dockerContext` and push it (needs Docker where `pulumi up` runs). Default: empty.")
    docker_context: str = setting(
        "dockerContext", "string", ".",
        "Docker build context, relative to the repository root; used when image is empty. "
        "Default: `.`.")
    dockerfile: str = setting(
        "dockerfile", "string", "Dockerfile",
        "Dockerfile path, relative to the repository root; used when image is empty. "
        "Default: Dockerfile.")
    cpu_architecture: str = setting(
        "cpuArchitecture", "string", "X86_64",
        "CPU architecture of both task definitions (and of the built image): `X86_64` or "
        "`ARM64`. Both run on Fargate Spot (ARM64 on platform version 1.4.0+, which LATEST is). "
        "Default: X86_64.")
    ecr_max_images: int = setting(
        "ecrMaxImages", "integer", 50,
        "Lifecycle policy: keep at most this many images in the repository, tagged or not (older "
        "ones expire; keep enough to roll back; an image `pulumi up` builds counts 3: its index, "
        "platform manifest and attestation). 1-1000. Default: 50.")

    # --- Queue and Celery ---
    task_time_limit_seconds: int = setting(
        "taskTimeLimitSeconds", "integer", 300,
        "Celery hard task time limit (CELERY_TASK_TIME_LIMIT), seconds. The queue's "
        "VisibilityTimeout is derived from it (+60 s) so a running task is never handed to a "
        "second worker. 1-43140. Default: 300.")
    task_soft_time_limit_seconds: int = setting(
        "taskSoftTimeLimitSeconds", "integer", 240,
        "Celery soft task time limit (CELERY_TASK_SOFT_TIME_LIMIT), seconds. Must be below "
        "taskTimeLimitSeconds. Default: 240.")
    queue_visibility_timeout_seconds: int = setting(
        "queueVisibilityTimeoutSeconds", "integer", 0,
        "The queue's VisibilityTimeout, seconds. 0 derives it: taskTimeLimitSeconds + 60. "
        "Otherwise it must be >= taskTimeLimitSeconds + 60 and <= 43200. It governs redelivery "
        "(kombu's visibility_timeout has no effect with predefined queues). Default: 0.")
    queue_max_receive_count: int = setting(
        "queueMaxReceiveCount", "integer", 5,
        "Receives before a message moves to the dead-letter queue (redrive maxReceiveCount). "
        "1-1000. Default: 5.")
    queue_message_retention_seconds: int = setting(
        "queueMessageRetentionSeconds", "integer", 345600,
        "How long the main queue keeps a message, seconds. 60-1209600; the dead-letter queue "
        "keeps 14 days. Default: 345600 (4 days).")
    worker_concurrency: int = setting(
        "workerConcurrency", "integer", 2,
        "Worker processes per task (CELERY_WORKER_CONCURRENCY). 1-64. Default: 2.")
    worker_soft_shutdown_seconds: int = setting(
        "workerSoftShutdownSeconds", "integer", 90,
        "Seconds a worker keeps finishing in-flight tasks after SIGTERM "
        "(CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT). Must stay below the container stopTimeout "
        "(120). Default: 90.")
    worker_heartbeat_max_age_seconds: int = setting(
        "workerHeartbeatMaxAgeSeconds", "integer", 60,
        "Age after which the worker's heartbeat file is stale and its health check fails "
        "(CELERY_WORKER_HEARTBEAT_MAX_AGE), seconds. 10-3600. Default: 60.")
    import_chunk_size: int = setting(
        "importChunkSize", "integer", 1000,
        "Samples per chunk task (HEALTHKIT_IMPORT_CHUNK_SIZE). 1-100000. Default: 1000.")

    # --- Worker service ---
    worker_cpu: int = setting(
        "workerCpu", "integer", 512,
        "Worker task cpu units; with workerMemory a pair Fargate accepts. Default: 512.")
    worker_memory: int = setting(
        "workerMemory", "integer", 1024,
        "Worker task memory, MiB; with workerCpu a pair Fargate accepts. Default: 1024.")
    worker_min_count: int = setting(
        "workerMinCount", "integer", 1,
        "Fewest worker tasks. At least 1, so a single message is always served. Default: 1.")
    worker_max_count: int = setting(
        "workerMaxCount", "integer", 4,
        "Most worker tasks; >= workerMinCount. Default: 4.")
    worker_spot_percent: int = setting(
        "workerSpotPercent", "integer", 0,
        "Share of worker tasks (above workerOnDemandBase) placed on FARGATE_SPOT, percent. "
        "0-100. Default: 0.")
    worker_on_demand_base: int = setting(
        "workerOnDemandBase", "integer", 0,
        "Worker tasks always placed on on-demand FARGATE before the Spot share applies. "
        "0..workerMaxCount. Default: 0.")
    worker_backlog_per_task: int = setting(
        "workerBacklogPerTask", "integer", 10,
        "Scaling target: visible messages per running worker task. Lower scales out sooner. "
        ">= 1. Default: 10.")

    # --- API service ---
    api_cpu: int = setting(
        "apiCpu", "integer", 512,
        "Api task cpu units (shared by the api and migrate containers); with apiMemory a pair "
        "Fargate accepts. Default: 512.")
    api_memory: int = setting(
        "apiMemory", "integer", 1024,
        "Api task memory, MiB; with apiCpu a pair Fargate accepts. Default: 1024.")
    api_min_count: int = setting(
        "apiMinCount", "integer", 1,
        "Fewest api tasks. >= 1. Default: 1.")
    api_max_count: int = setting(
        "apiMaxCount", "integer", 4,
        "Most api tasks; >= apiMinCount. Default: 4.")
    api_cpu_target_percent: int = setting(
        "apiCpuTargetPercent", "integer", 60,
        "Api target tracking on average CPU, percent; 0 disables it. 0 or 10-90; at least one "
        "of apiCpuTargetPercent and apiRequestsPerTarget must be set. Default: 60.")
    api_requests_per_target: int = setting(
        "apiRequestsPerTarget", "integer", 0,
        "Api target tracking on ALB requests per target per minute; 0 disables it. "
        "Default: 0.")
    gunicorn_workers: int = setting(
        "gunicornWorkers", "integer", 2,
        "Gunicorn worker processes per api task (GUNICORN_WORKERS). 1-32. Default: 2.")
    gunicorn_threads: int = setting(
        "gunicornThreads", "integer", 4,
        "Threads per gunicorn worker (GUNICORN_THREADS). 1-64. Default: 4.")
    scale_in_cooldown_seconds: int = setting(
        "scaleInCooldownSeconds", "integer", 300,
        "Target tracking scale-in cooldown for both services, seconds. 0-3600. Default: 300.")
    scale_out_cooldown_seconds: int = setting(
        "scaleOutCooldownSeconds", "integer", 60,
        "Target tracking scale-out cooldown for both services, seconds. 0-3600. Default: 60.")

    # --- Network and load balancer ---
    vpc_id: str = setting(
        "vpcId", "string", "",
        "Existing VPC to deploy into (`vpc-...`); needs publicSubnetIds (>= 2, for the ALB) and "
        "privateSubnetIds (>= 1, for tasks and database, with a route to the internet or VPC "
        "endpoints). Empty: a new VPC. Default: empty.")
    public_subnet_ids: list = setting(
        "publicSubnetIds", "array", [],
        "Public subnets of vpcId for the ALB (`subnet-...`, >= 2 in different AZs). Only with "
        "vpcId. Default: [].")
    private_subnet_ids: list = setting(
        "privateSubnetIds", "array", [],
        "Private subnets of vpcId for the tasks and database (`subnet-...`, >= 1; >= 2 in "
        "different AZs when the stack creates the database). Only with vpcId. Default: [].")
    vpc_cidr: str = setting(
        "vpcCidr", "string", "10.0.0.0/16",
        "CIDR block of a new VPC, prefix /16 to /24. Default: 10.0.0.0/16.")
    availability_zones: int = setting(
        "availabilityZones", "integer", 2,
        "Availability zones of a new VPC (public + private subnet in each). 2-6. Default: 2.")
    nat_gateways: str = setting(
        "natGateways", "string", "single",
        "NAT gateways of a new VPC: `single` (cheap, one AZ's failure cuts egress) or "
        "`onePerAz`. Default: single.")
    certificate_arn: str = setting(
        "certificateArn", "string", "",
        "ACM certificate (same region) for an HTTPS listener on 443; port 80 then redirects to "
        "HTTPS. Empty: plain HTTP on port 80. Default: empty.")
    domain_name: str = setting(
        "domainName", "string", "",
        "Host name clients use (a DNS record you point at the ALB); added to "
        "DJANGO_ALLOWED_HOSTS next to the ALB's own name, and used in the apiUrl output. "
        "Default: empty.")
    alb_ingress_cidrs: list = setting(
        "albIngressCidrs", "array", ["0.0.0.0/0"],
        "IPv4 CIDRs allowed to reach the ALB's listener ports. At least one. "
        "Default: [\"0.0.0.0/0\"].")
    admin_allowed_cidrs: list = setting(
        "adminAllowedCidrs", "array", [],
        "IPv4 CIDRs from which the Django admin (/admin) is reachable through the ALB; at most 4. "
        "Empty: the admin is off (HEALTHKIT_ADMIN_ENABLED=false) and the ALB answers /admin* "
        "with 404 itself. Default: [] (off).")
    alb_idle_timeout_seconds: int = setting(
        "albIdleTimeoutSeconds", "integer", 60,
        "ALB idle connection timeout, seconds. 1-4000. Default: 60.")
    deregistration_delay_seconds: int = setting(
        "deregistrationDelaySeconds", "integer", 30,
        "Seconds the target group drains a stopping api task (keep it >= the gunicorn request "
        "timeout, 30 s). 0-3600. Default: 30.")
    health_check_grace_period_seconds: int = setting(
        "healthCheckGracePeriodSeconds", "integer", 60,
        "Seconds ECS ignores failing ALB health checks of a new api task (migrations run "
        "first). 0-7200. Default: 60.")
    rollout_timeout_minutes: int = setting(
        "rolloutTimeoutMinutes", "integer", 20,
        "Minutes `pulumi up` waits for each service to reach a steady state after creating or "
        "updating it; a deployment that fails (crash loop, failed migrate, unhealthy worker) or is "
        "not steady by then fails the `up`. 5-180. Default: 20.")

    # --- Database ---
    database: str = setting(
        "database", "string", "create",
        "`create`: an RDS PostgreSQL instance (encrypted, private, password managed by RDS in "
        "Secrets Manager); `existing`: dbHost + dbSecretArn. Default: create.")
    db_instance_class: str = setting(
        "dbInstanceClass", "string", "db.t4g.micro",
        "RDS instance class (database=create). Default: db.t4g.micro.")
    db_engine_version: str = setting(
        "dbEngineVersion", "string", "16",
        "PostgreSQL major version (database=create); minor versions upgrade automatically. "
        "Default: 16.")
    db_allocated_storage_gb: int = setting(
        "dbAllocatedStorageGb", "integer", 20,
        "Initial gp3 storage, GiB (database=create). 20-65536. Default: 20.")
    db_max_allocated_storage_gb: int = setting(
        "dbMaxAllocatedStorageGb", "integer", 100,
        "Storage autoscaling ceiling, GiB; 0 disables autoscaling, else >= "
        "dbAllocatedStorageGb. Default: 100.")
    db_multi_az: bool = setting(
        "dbMultiAz", "boolean", False,
        "Standby in a second AZ (database=create). Default: false.")
    db_backup_retention_days: int = setting(
        "dbBackupRetentionDays", "integer", 7,
        "Automated backup retention, days (database=create). 0-35; >= 1 when "
        "protectStatefulResources. Default: 7.")
    db_name: str = setting(
        "dbName", "string", "healthkit",
        "Database name (DB_NAME): a letter then letters, digits or underscores, <= 63. "
        "Default: healthkit.")
    db_host: str = setting(
        "dbHost", "string", "",
        "Host of an existing PostgreSQL (database=existing, required). Default: empty.")
    db_port: int = setting(
        "dbPort", "integer", 5432,
        "PostgreSQL port (DB_PORT). 1150-65535. Default: 5432.")
    db_secret_arn: str = setting(
        "dbSecretArn", "string", "",
        "Secrets Manager secret of an existing database (database=existing, required): JSON "
        "with `username` and `password` keys. Default: empty.")
    db_ssl_mode: str = setting(
        "dbSslMode", "string", "require",
        "libpq sslmode (DB_SSLMODE): disable, allow, prefer, require, verify-ca or "
        "verify-full. Default: require.")

    # --- Exports (the Health app's export.zip, uploaded to S3) ---
    export_retention_days: int = setting(
        "exportRetentionDays", "integer", 7,
        "Days after which the exports bucket's lifecycle rule deletes an upload, whatever happened "
        "to it (a worker deletes each export as soon as it is read; this catches uploads never "
        "completed). 1-3650. Default: 7.")
    export_max_bytes: int = setting(
        "exportMaxBytes", "integer", 2 * 1024**3,
        "Largest upload a presigned POST allows (HEALTHKIT_EXPORT_MAX_BYTES; its content-length-range), "
        "bytes. 1 MiB (1048576) to 5 GiB (5368709120, S3's limit for one POST upload). "
        "Default: 2147483648 (2 GiB).")

    # --- Logs, alarms, dashboard ---
    log_retention_days: int = setting(
        "logRetentionDays", "integer", 30,
        "Retention of the services' log group, days; one of CloudWatch's values (1, 3, 5, 7, "
        "14, 30, 60, 90, 120, 150, 180, 365, ...). Default: 30.")
    alarm_email: str = setting(
        "alarmEmail", "string", "",
        "E-mail address subscribed to the alarm topic (confirm the subscription mail). Empty: "
        "no subscription. Default: empty.")
    alarm_oldest_message_age_seconds: int = setting(
        "alarmOldestMessageAgeSeconds", "integer", 900,
        "Alarm when the oldest message in the queue is older than this, seconds. > 0. "
        "Default: 900.")
    alarm_queue_depth: int = setting(
        "alarmQueueDepth", "integer", 1000,
        "Alarm when more messages than this are waiting in the queue. > 0. Default: 1000.")
    alarm_api_5xx_count: int = setting(
        "alarmApi5xxCount", "integer", 10,
        "Alarm when the api answers more 5xx than this in 5 minutes (targets + ALB). > 0. "
        "Default: 10.")
    alarm_api_latency_p95_ms: int = setting(
        "alarmApiLatencyP95Ms", "integer", 2000,
        "Alarm when the api's p95 target response time exceeds this, milliseconds. > 0. "
        "Default: 2000.")
    alarm_failed_exports: int = setting(
        "alarmFailedExports", "integer", 1,
        "Alarm when at least this many exports end `failed` within an hour (the app's "
        "ExportsFailed metric). > 0. Default: 1.")
    alarm_cpu_percent: int = setting(
        "alarmCpuPercent", "integer", 85,
        "Alarm when a service's average CPU exceeds this, percent. 1-100. Default: 85.")
    alarm_memory_percent: int = setting(
        "alarmMemoryPercent", "integer", 85,
        "Alarm when a service's average memory exceeds this, percent. 1-100. Default: 85.")
    emf_namespace: str = setting(
        "emfNamespace", "string", "HealthKitImport",
        "CloudWatch namespace of the app's EMF metrics (AWS_EMF_NAMESPACE), shown on the "
        "dashboard. Default: HealthKitImport.")
    emf_service_name: str = setting(
        "emfServiceName", "string", "healthkit",
        "EMF ServiceName dimension (AWS_EMF_SERVICE_NAME). Default: healthkit.")

    # --- Derived values ------------------------------------------------------------------------

    @property
    def name_prefix(self) -> str:
        """Prefix of physical names: ``<appName>-<stack>``."""
        return f"{self.app_name}-{self.stack}"

    @property
    def exports_bucket_prefix(self) -> str:
        """Start of the exports bucket's name: ``<appName>-<stack>-exports-``."""
        return f"{self.name_prefix}-exports-"

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
