"""Invariants of DESIGN.md and docs/runtime-contract.md, and the AWS limits they rest on.

Pure values and functions: the settings validator, the components and the policy pack all use
these, so a number changes in one place.
"""

from __future__ import annotations

# --- The runtime contract ---------------------------------------------------------------------

#: Logical Celery queue name; the stack maps it to its own physical queue (predefined_queues).
CELERY_QUEUE_NAME = "apple-health-imports"

#: Seconds added to the hard task time limit to get the queue's VisibilityTimeout.
#: runtime-contract.md: VisibilityTimeout = CELERY_TASK_TIME_LIMIT + 60.
VISIBILITY_MARGIN_SECONDS = 60

#: SQS long polling: ReceiveMessageWaitTimeSeconds (the maximum AWS accepts).
RECEIVE_WAIT_SECONDS = 20

#: Dead-letter queue retention: 14 days, the SQS maximum.
DLQ_RETENTION_SECONDS = 14 * 24 * 3600

#: Worker container stopTimeout: Fargate Spot gives a task 2 minutes after its interruption
#: notice, and 120 s is also the most ECS allows on Fargate.
WORKER_STOP_TIMEOUT_SECONDS = 120

#: The api container's port (gunicorn.conf.py binds 0.0.0.0:8000).
API_PORT = 8000

#: The ALB target group's health check path (process up, no dependencies).
HEALTH_CHECK_PATH = "/healthz"

#: Container commands (runtime-contract.md, "Commands").
API_COMMAND = ["gunicorn", "backend.wsgi:application"]
MIGRATE_COMMAND = ["python", "manage.py", "migrate_locked"]
WORKER_COMMAND = [
    "celery", "-A", "backend", "worker", "--queues", CELERY_QUEUE_NAME, "--loglevel", "INFO",
]
WORKER_HEALTH_CHECK_COMMAND = ["CMD", "python", "-m", "backend.health", "worker"]
WORKER_HEALTH_CHECK = {
    "command": WORKER_HEALTH_CHECK_COMMAND,
    "interval": 30,
    "timeout": 10,
    "retries": 3,
    "startPeriod": 60,
}

#: Django mode of every deployed container: `prod` (strict settings, DEBUG off) in EVERY stack.
#: The app's `dev` mode (SQLite fallback, DEBUG, zero config) is for laptops, never for AWS.
DEPLOYED_DJANGO_ENV = "prod"

#: Where the worker keeps its liveness file (the app's default).
WORKER_HEARTBEAT_FILE = "/tmp/celery-worker-heartbeat"

#: Actions each task role gets on the stack's queue, and nothing else (DESIGN.md, invariants).
API_QUEUE_ACTIONS = ("sqs:SendMessage", "sqs:GetQueueAttributes")
WORKER_QUEUE_ACTIONS = (
    "sqs:ReceiveMessage",
    "sqs:DeleteMessage",
    "sqs:ChangeMessageVisibility",
    "sqs:GetQueueAttributes",
    "sqs:SendMessage",
)
#: What both task roles may do with the database secret (read it at connect time and after a
#: rotation); scoped to that one secret ARN.
DATABASE_SECRET_ACTIONS = ("secretsmanager:GetSecretValue",)
#: Exports (uploaded Health app exports): where objects live in the exports bucket, and who may do
#: what there. The api presigns uploads (a presigned POST is signed with its own credentials, so
#: it needs PutObject; the POST policy pins each upload to exports/<owner>/<export>); the worker
#: reads and deletes them. Nobody lists the bucket.
EXPORTS_PREFIX = "exports/"
#: S3's largest object one POST upload may write (5 GB, docs: "Uploading objects"), and our smallest limit
S3_POST_MAX_BYTES = 5 * 1024**3
EXPORT_MIN_BYTES = 1024**2
API_EXPORT_ACTIONS = ("s3:PutObject",)
WORKER_EXPORT_ACTIONS = ("s3:GetObject", "s3:DeleteObject")
#: Actions no task role may ever hold.
FORBIDDEN_TASK_ACTIONS = (
    "sqs:CreateQueue", "sqs:ListQueues", "sqs:DeleteQueue", "sqs:PurgeQueue", "s3:ListBucket", "s3:ListAllMyBuckets",
)
#: The only action that may be granted on Resource "*" (AWS offers no resource-level scoping).
STAR_RESOURCE_ACTIONS = ("ecr:GetAuthorizationToken",)

# --- AWS limits -------------------------------------------------------------------------------

#: The Fargate platform version both services run ("LATEST": 1.4.0 or later for Linux).
FARGATE_PLATFORM_VERSION = "LATEST"

#: Oldest Fargate platform version whose FARGATE_SPOT capacity runs each CPU architecture. From the
#: ECS API Reference, CapacityProviderStrategyItem (also in botocore's ECS model): "FARGATE_SPOT
#: supports Linux tasks with the X86_64 architecture on platform version 1.3.0 or later.
#: FARGATE_SPOT supports Linux tasks with the ARM64 architecture on platform version 1.4.0 or later."
SPOT_MIN_PLATFORM_VERSION = {"X86_64": "1.3.0", "ARM64": "1.4.0"}

SQS_MAX_VISIBILITY_SECONDS = 43_200
#: a bucket_prefix Pulumi completes with a random suffix: lowercase, at most 37 characters
#: (the AWS provider's aws.s3.Bucket bucketPrefix argument, as its docs state)
S3_BUCKET_PREFIX_MAX = 37
SQS_MIN_RETENTION_SECONDS = 60
SQS_MAX_RETENTION_SECONDS = 1_209_600
SQS_MAX_RECEIVE_COUNT = 1000

#: CloudWatch Logs accepts only these retention periods (days).
LOG_RETENTION_DAYS = (
    1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731,
    1096, 1827, 2192, 2557, 2922, 3288, 3653,
)


def _steps(start: int, stop: int, step: int) -> tuple[int, ...]:
    return tuple(range(start, stop + 1, step))


#: Task-level cpu units -> memory (MiB) that Fargate accepts (Linux).
FARGATE_CPU_MEMORY: dict[int, tuple[int, ...]] = {
    256: (512, 1024, 2048),
    512: _steps(1024, 4096, 1024),
    1024: _steps(2048, 8192, 1024),
    2048: _steps(4096, 16384, 1024),
    4096: _steps(8192, 30720, 1024),
    8192: _steps(16384, 61440, 4096),
    16384: _steps(32768, 122880, 8192),
}


def spot_platform_problem(cpu_architecture: str, platform_version: str) -> str | None:
    """None when FARGATE_SPOT runs ``cpu_architecture`` tasks on ``platform_version``, else why."""
    minimum = SPOT_MIN_PLATFORM_VERSION.get(cpu_architecture)
    if minimum is None:
        return f"FARGATE_SPOT runs no {cpu_architecture} tasks"
    if platform_version == "LATEST":
        return None

    def parts(version: str) -> tuple[int, ...]:
        return tuple(int(p) for p in version.split("."))
    if parts(platform_version) < parts(minimum):
        return f"FARGATE_SPOT runs {cpu_architecture} tasks on platform version {minimum} or later, not {platform_version}"
    return None


def visibility_timeout_for(task_time_limit_seconds: int) -> int:
    """The queue VisibilityTimeout for a hard task time limit: limit + the 60 s margin."""
    return task_time_limit_seconds + VISIBILITY_MARGIN_SECONDS


def fargate_pair_problem(cpu: int, memory: int) -> str | None:
    """None when Fargate accepts ``cpu``/``memory``, else a sentence saying what it accepts."""
    if cpu not in FARGATE_CPU_MEMORY:
        return f"cpu must be one of {sorted(FARGATE_CPU_MEMORY)} (Fargate task sizes)"
    allowed = FARGATE_CPU_MEMORY[cpu]
    if memory not in allowed:
        return (
            f"Fargate accepts memory {allowed[0]}..{allowed[-1]} MiB in steps of "
            f"{allowed[1] - allowed[0]} for cpu {cpu}"
        )
    return None
