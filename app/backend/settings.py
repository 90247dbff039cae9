"""Django settings, read from the environment with python-decouple.

`DJANGO_ENV=dev` (the default) needs no variable at all: SQLite, a generated secret and
Celery tasks run in-process unless a queue URL is given. `DJANGO_ENV=prod` requires the
variables of docs/runtime-contract.md and reports every missing one in ONE error at start-up.
Units are in the comments; docs/app.md has the table.
"""

import os
import re
import warnings
from pathlib import Path

from django.core.management.utils import get_random_secret_key

from backend.env import Env

BASE_DIR = Path(__file__).resolve().parent.parent  # the app/ folder (WORKDIR in the image)

env = Env()

DJANGO_ENV = env.choice("DJANGO_ENV", default="dev", choices=("dev", "prod"))
PROD = DJANGO_ENV == "prod"
# The stack this runs in (dev, prod): every deployed stack runs DJANGO_ENV=prod, so this, not
# DJANGO_ENV, names it in metrics (the Environment dimension) and logs (`environment`).
HEALTHKIT_ENVIRONMENT = env.string("HEALTHKIT_ENVIRONMENT", default=DJANGO_ENV)

# --- Django core ---------------------------------------------------------------------------

DEBUG = not PROD
SECRET_KEY = env.string("DJANGO_SECRET_KEY", required=PROD)
if not SECRET_KEY and not PROD:
    # Exported so that runserver's autoreloaded child keeps the same key (sessions survive).
    SECRET_KEY = os.environ["DJANGO_SECRET_KEY"] = "django-insecure-dev-" + get_random_secret_key()
ALLOWED_HOSTS = env.csv("DJANGO_ALLOWED_HOSTS", required=PROD, default=[] if PROD else ["*"])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework.authtoken",
    "drf_spectacular",
    "healthkit",
]

MIDDLEWARE = [
    # First: answers /healthz and /readyz before host validation (ALB checks use the task IP).
    "backend.middleware.health_check_middleware",
    "django.middleware.security.SecurityMiddleware",
    # The admin's static files, from STATIC_ROOT (collected into the image), right after security.
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "backend.urls"
WSGI_APPLICATION = "backend.wsgi.application"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    },
]

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "static/"
# `collectstatic` fills it (a layer of the image); WhiteNoise serves it, gzipped where it helps.
# Names are not hashed: the manifest variant fails every page whose file was not collected.
STATIC_ROOT = BASE_DIR / "staticfiles"
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedStaticFilesStorage"},
}
# A working tree has no collected files (dev serves them from the apps, WHITENOISE_USE_FINDERS is
# DEBUG); WhiteNoise's warning about it would be the only non-JSON line a process writes.
warnings.filterwarnings("ignore", message=r"No directory at: .*staticfiles", category=UserWarning)

# Behind the ALB (TLS ends there): trust its X-Forwarded-Proto, secure cookies in prod.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SESSION_COOKIE_SECURE = PROD
CSRF_COOKIE_SECURE = PROD
SECURE_CONTENT_TYPE_NOSNIFF = True

# --- Database ------------------------------------------------------------------------------

DB_HOST = env.string("DB_HOST", required=PROD)
# Deployed stacks name the database secret (JSON username/password, rotated by RDS): the backend
# reads it at connect time and again when the password is refused (backend.rotating_postgresql).
# Without it, DB_USER and DB_PASSWORD are the credentials (local runs, tests).
DB_SECRET_ARN = env.string("DB_SECRET_ARN")
if DB_HOST:
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": DB_HOST,
            "PORT": env.integer("DB_PORT", default=5432, minimum=1),
            "NAME": env.string("DB_NAME", default="healthkit"),
            "CONN_MAX_AGE": env.integer("DB_CONN_MAX_AGE", default=60, minimum=0),  # seconds
            "CONN_HEALTH_CHECKS": True,
            "OPTIONS": {
                "sslmode": env.string("DB_SSLMODE", default="prefer"),
                "connect_timeout": env.integer("DB_CONNECT_TIMEOUT", default=5, minimum=1),  # seconds
            },
        }
    }
    if DB_SECRET_ARN:
        DATABASES["default"].update(
            ENGINE="backend.rotating_postgresql", SECRET_ARN=DB_SECRET_ARN  # region: AWS_REGION
        )
    else:
        DATABASES["default"].update(
            USER=env.string("DB_USER", required=PROD), PASSWORD=env.string("DB_PASSWORD", required=PROD)
        )
else:
    if PROD and not DB_SECRET_ARN:  # DB_HOST is already recorded as missing; name its companions too.
        env.string("DB_USER", required=True)
        env.string("DB_PASSWORD", required=True)
    # dev: a SQLite file; DB_SQLITE_PATH moves it (the image sets /tmp/...: its /app is read-only).
    SQLITE_PATH = Path(env.string("DB_SQLITE_PATH", default=str(BASE_DIR / "db.sqlite3")))
    if not PROD and not os.access(SQLITE_PATH.parent, os.W_OK):
        env.invalid(
            f"DJANGO_ENV=dev without DB_HOST keeps its database in SQLite at {SQLITE_PATH}, but "
            f"{SQLITE_PATH.parent} is not writable: set DB_SQLITE_PATH to a writable file, or DB_HOST"
        )
    DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": SQLITE_PATH}}

# --- AWS and Celery (broker: SQS) ----------------------------------------------------------

AWS_REGION = env.string("AWS_REGION", required=PROD, default="us-east-1")

HEALTHKIT_QUEUE = "apple-health-imports"  # the logical queue name; the URL comes from the stack
CELERY_APPLE_HEALTH_QUEUE_URL = env.string("CELERY_APPLE_HEALTH_QUEUE_URL", required=PROD)

CELERY_BROKER_URL = env.string("CELERY_BROKER_URL", default="sqs://")
CELERY_BROKER_CONNECTION_RETRY_ON_STARTUP = True
CELERY_BROKER_WAIT_TIME_SECONDS = env.integer("CELERY_BROKER_WAIT_TIME_SECONDS", default=20, minimum=0)  # seconds
if CELERY_BROKER_WAIT_TIME_SECONDS > 20:
    env.invalid(f"CELERY_BROKER_WAIT_TIME_SECONDS ({CELERY_BROKER_WAIT_TIME_SECONDS}) must be at most 20 (SQS's limit)")
CELERY_BROKER_POLLING_INTERVAL = env.number("CELERY_BROKER_POLLING_INTERVAL", default=0.1, minimum=0.0)

CELERY_TASK_TIME_LIMIT = env.integer("CELERY_TASK_TIME_LIMIT", default=300, minimum=1)  # seconds, hard
CELERY_TASK_SOFT_TIME_LIMIT = env.integer("CELERY_TASK_SOFT_TIME_LIMIT", default=240, minimum=1)  # seconds
if CELERY_TASK_SOFT_TIME_LIMIT >= CELERY_TASK_TIME_LIMIT:
    env.invalid(
        f"CELERY_TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT}) must be below "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT})"
    )

SQS_CONNECT_TIMEOUT = 2  # seconds per attempt, for the api's sends and the worker's acks
SQS_READ_TIMEOUT = 10  # seconds per attempt; SendMessage and DeleteMessage answer in milliseconds
SQS_ATTEMPTS = 2  # the first try and one retry

CELERY_BROKER_TRANSPORT_OPTIONS = {
    "region": AWS_REGION,
    # Celery never creates or lists queues: it only knows this one, by URL.
    "predefined_queues": {HEALTHKIT_QUEUE: {"url": CELERY_APPLE_HEALTH_QUEUE_URL}},
    "wait_time_seconds": CELERY_BROKER_WAIT_TIME_SECONDS,  # long polling; also the requeue delay
    "polling_interval": CELERY_BROKER_POLLING_INTERVAL,  # seconds between polls when nothing came
    # Informational only: kombu ignores it for predefined queues, the queue's own
    # VisibilityTimeout (time limit + 60 s, set by the stack) governs.
    "visibility_timeout": CELERY_TASK_TIME_LIMIT + 60,
    # botocore's defaults (60 s connect and read timeouts, retried) would hold an api request past
    # gunicorn's 30 s timeout when SQS goes silent; with these a send gives up within about 21 s,
    # the request still answers 202, and the outbox sends later (healthkit.outbox). Receives are
    # not affected: the worker long-polls through kombu's own asynchronous HTTP client.
    "client-config": {
        "connect_timeout": SQS_CONNECT_TIMEOUT,
        "read_timeout": SQS_READ_TIMEOUT,
        "retries": {"mode": "standard", "total_max_attempts": SQS_ATTEMPTS},
    },
}
# dev without a queue URL: tasks run in-process when their transaction commits.
CELERY_TASK_ALWAYS_EAGER = not PROD and not CELERY_APPLE_HEALTH_QUEUE_URL

CELERY_TASK_DEFAULT_QUEUE = HEALTHKIT_QUEUE
CELERY_TASK_ROUTES = {"healthkit.*": {"queue": HEALTHKIT_QUEUE}}
CELERY_ACCEPT_CONTENT = ["json"]
CELERY_TASK_SERIALIZER = "json"
CELERY_RESULT_SERIALIZER = "json"
CELERY_RESULT_ACCEPT_CONTENT = ["json"]
CELERY_RESULT_BACKEND = None
CELERY_TASK_IGNORE_RESULT = True
CELERY_TASK_ACKS_LATE = True
CELERY_TASK_REJECT_ON_WORKER_LOST = True
# A task that raises is not acked: it is rejected and SQS redelivers it (docs/app.md).
CELERY_TASK_ACKS_ON_FAILURE_OR_TIMEOUT = False
CELERY_WORKER_PREFETCH_MULTIPLIER = 1
CELERY_WORKER_CONCURRENCY = env.integer("CELERY_WORKER_CONCURRENCY", default=2, minimum=1)
CELERY_WORKER_ENABLE_REMOTE_CONTROL = False  # SQS has no broadcast
CELERY_WORKER_SEND_TASK_EVENTS = False
CELERY_TASK_SEND_SENT_EVENT = False
# seconds after SIGTERM that in-flight tasks may still finish (below the 120 s stopTimeout); then
# they are cancelled and their messages handed back. SIGTERM starts this soft shutdown only when
# the process runs with REMAP_SIGTERM=SIGQUIT (the image sets it; backend.shutdown warns if not).
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT = env.number("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT", default=90.0, minimum=0.0)
ECS_STOP_TIMEOUT = 120  # seconds between SIGTERM and SIGKILL for the worker container (DESIGN.md)
if CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT >= ECS_STOP_TIMEOUT:
    env.invalid(
        f"CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT ({CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT:g}) must be below the "
        f"container's stopTimeout ({ECS_STOP_TIMEOUT})"
    )

# Liveness of the worker's consumer loop (backend.heartbeat, `python -m backend.health worker`).
WORKER_HEARTBEAT_FILE = env.string("CELERY_WORKER_HEARTBEAT_FILE", default="/tmp/celery-worker-heartbeat")
WORKER_HEARTBEAT_MAX_AGE = env.number("CELERY_WORKER_HEARTBEAT_MAX_AGE", default=60.0, minimum=1.0)  # seconds

# --- HealthKit imports ---------------------------------------------------------------------

HEALTHKIT_IMPORT_CHUNK_SIZE = env.integer("HEALTHKIT_IMPORT_CHUNK_SIZE", default=1000, minimum=1)  # samples
HEALTHKIT_IMPORT_MAX_SAMPLES = env.integer("HEALTHKIT_IMPORT_MAX_SAMPLES", default=5000, minimum=1)  # per request
if HEALTHKIT_IMPORT_MAX_SAMPLES >= 2**24:  # a write's position numbers the items of a request in 24 bits
    env.invalid(f"HEALTHKIT_IMPORT_MAX_SAMPLES={HEALTHKIT_IMPORT_MAX_SAMPLES}: must be below 16777216 (2**24)")
HEALTHKIT_CHUNK_MAX_ATTEMPTS = env.integer("HEALTHKIT_CHUNK_MAX_ATTEMPTS", default=5, minimum=1)
# days a succeeded chunk keeps its payload (0: emptied when it succeeds; purge_chunk_payloads empties older ones)
HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS = env.integer("HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS", default=0, minimum=0)
HEALTHKIT_METADATA_MAX_KEYS = env.integer("HEALTHKIT_METADATA_MAX_KEYS", default=64, minimum=0)
HEALTHKIT_METADATA_MAX_BYTES = env.integer("HEALTHKIT_METADATA_MAX_BYTES", default=4096, minimum=2)  # JSON bytes
# bytes; the request body limit (Django's DATA_UPLOAD_MAX_MEMORY_SIZE)
DATA_UPLOAD_MAX_MEMORY_SIZE = env.integer("HEALTHKIT_IMPORT_MAX_BODY_BYTES", default=10 * 1024 * 1024, minimum=1024)

# --- No stuck chunks: the outbox and the sweeper (healthkit.outbox, healthkit.sweeper) -------

# seconds between two sweeps in each worker (backend.sweeper); 0: this worker does not sweep
HEALTHKIT_SWEEPER_INTERVAL = env.number("HEALTHKIT_SWEEPER_INTERVAL", default=60.0, minimum=0.0)
# seconds after its commit that a chunk whose message was never sent is sent by the sweeper
HEALTHKIT_SWEEPER_SEND_GRACE = env.number("HEALTHKIT_SWEEPER_SEND_GRACE", default=30.0, minimum=0.0)
# seconds without any news (claim, release, message sent) after which an open chunk is stuck:
# above the hard time limit (no attempt can still run) and, by default, the queue's
# VisibilityTimeout (time limit + 60) + 60, so SQS redelivers what it still holds first
HEALTHKIT_SWEEPER_STALE_AFTER = env.number(
    "HEALTHKIT_SWEEPER_STALE_AFTER", default=float(CELERY_TASK_TIME_LIMIT + 120), minimum=1.0
)
if HEALTHKIT_SWEEPER_STALE_AFTER <= CELERY_TASK_TIME_LIMIT:
    env.invalid(
        f"HEALTHKIT_SWEEPER_STALE_AFTER ({HEALTHKIT_SWEEPER_STALE_AFTER:g}) must be above "
        f"CELERY_TASK_TIME_LIMIT ({CELERY_TASK_TIME_LIMIT}): a running attempt is never stuck"
    )
HEALTHKIT_SWEEPER_BATCH_SIZE = env.integer("HEALTHKIT_SWEEPER_BATCH_SIZE", default=500, minimum=1)  # chunks a sweep
# seconds an attempt that lost the database waits for it to answer again, holding its message
# (no receive is burned meanwhile); below the soft time limit
HEALTHKIT_DATABASE_WAIT = env.number(
    "HEALTHKIT_DATABASE_WAIT", default=CELERY_TASK_SOFT_TIME_LIMIT * 0.75, minimum=0.0
)
if HEALTHKIT_DATABASE_WAIT >= CELERY_TASK_SOFT_TIME_LIMIT:
    env.invalid(
        f"HEALTHKIT_DATABASE_WAIT ({HEALTHKIT_DATABASE_WAIT:g}) must be below "
        f"CELERY_TASK_SOFT_TIME_LIMIT ({CELERY_TASK_SOFT_TIME_LIMIT})"
    )

# --- Exports: the Health app's export.zip, uploaded to S3, read by a worker (healthkit.exports) ----

# the stack's private bucket; empty: POST /api/v1/exports answers that exports are not configured
HEALTHKIT_EXPORTS_BUCKET = env.string("HEALTHKIT_EXPORTS_BUCKET")
# bytes an upload may hold (the presigned POST's content-length-range): 2 GiB by default
HEALTHKIT_EXPORT_MAX_BYTES = env.integer("HEALTHKIT_EXPORT_MAX_BYTES", default=2 * 1024**3, minimum=1)
HEALTHKIT_EXPORT_UPLOAD_EXPIRES = env.integer("HEALTHKIT_EXPORT_UPLOAD_EXPIRES", default=3600, minimum=60)  # seconds
# exports an owner may hold open at once (awaiting an upload that has not expired, or reading)
HEALTHKIT_EXPORTS_OPEN_MAX = env.integer("HEALTHKIT_EXPORTS_OPEN_MAX", default=2, minimum=1)
# zip bomb caps: bytes export.xml may inflate to, and times its compressed size
HEALTHKIT_EXPORT_MAX_XML_BYTES = env.integer("HEALTHKIT_EXPORT_MAX_XML_BYTES", default=8 * 1024**3, minimum=1)
HEALTHKIT_EXPORT_MAX_RATIO = env.integer("HEALTHKIT_EXPORT_MAX_RATIO", default=100, minimum=1)
HEALTHKIT_EXPORT_READ_BLOCK_BYTES = env.integer("HEALTHKIT_EXPORT_READ_BLOCK_BYTES", default=8 * 1024**2, minimum=4096)
# chunks written per commit of the reading (each commit stores the resume point with them)
HEALTHKIT_EXPORT_CHUNKS_PER_COMMIT = env.integer("HEALTHKIT_EXPORT_CHUNKS_PER_COMMIT", default=5, minimum=1)
# seconds between commits when few samples come (the progress and the lease stay fresh)
HEALTHKIT_EXPORT_HEARTBEAT = env.number("HEALTHKIT_EXPORT_HEARTBEAT", default=10.0, minimum=0.1)
# seconds without a commit after which a reading export is taken over (its worker is gone)
HEALTHKIT_EXPORT_STALE_AFTER = env.number("HEALTHKIT_EXPORT_STALE_AFTER", default=120.0, minimum=1.0)
if HEALTHKIT_EXPORT_STALE_AFTER <= HEALTHKIT_EXPORT_HEARTBEAT:
    env.invalid(
        f"HEALTHKIT_EXPORT_STALE_AFTER ({HEALTHKIT_EXPORT_STALE_AFTER:g}) must be above "
        f"HEALTHKIT_EXPORT_HEARTBEAT ({HEALTHKIT_EXPORT_HEARTBEAT:g})"
    )
# the reading task's time limits (seconds), at most the chunk task's, which the queue's
# VisibilityTimeout covers: a longer task would be handed to a second worker while it runs. At the
# soft limit the reading commits, lets go and sends its task again: the next one reads on.
HEALTHKIT_EXPORT_TIME_LIMIT = env.integer("HEALTHKIT_EXPORT_TIME_LIMIT", default=CELERY_TASK_TIME_LIMIT, minimum=2)
HEALTHKIT_EXPORT_SOFT_TIME_LIMIT = env.integer(
    "HEALTHKIT_EXPORT_SOFT_TIME_LIMIT", minimum=1,
    default=min(CELERY_TASK_SOFT_TIME_LIMIT, HEALTHKIT_EXPORT_TIME_LIMIT - 1),
)
if HEALTHKIT_EXPORT_TIME_LIMIT > CELERY_TASK_TIME_LIMIT:
    env.invalid(
        f"HEALTHKIT_EXPORT_TIME_LIMIT ({HEALTHKIT_EXPORT_TIME_LIMIT}) must be at most CELERY_TASK_TIME_LIMIT "
        f"({CELERY_TASK_TIME_LIMIT}): the queue's VisibilityTimeout covers that, not more"
    )
if HEALTHKIT_EXPORT_SOFT_TIME_LIMIT >= HEALTHKIT_EXPORT_TIME_LIMIT:
    env.invalid(
        f"HEALTHKIT_EXPORT_SOFT_TIME_LIMIT ({HEALTHKIT_EXPORT_SOFT_TIME_LIMIT}) must be below "
        f"HEALTHKIT_EXPORT_TIME_LIMIT ({HEALTHKIT_EXPORT_TIME_LIMIT})"
    )
# claims of one export (a crash, a takeover or a soft time limit each count) before it ends failed
HEALTHKIT_EXPORT_MAX_ATTEMPTS = env.integer("HEALTHKIT_EXPORT_MAX_ATTEMPTS", default=20, minimum=1)
HEALTHKIT_EXPORT_REJECTED_LISTED = env.integer("HEALTHKIT_EXPORT_REJECTED_LISTED", default=100, minimum=0)

# --- API -----------------------------------------------------------------------------------

# The admin is routed only when enabled (prod: off; the ALB also keeps /admin off the internet
# unless the stack allows operator networks: docs/infra.md).
HEALTHKIT_ADMIN_ENABLED = env.choice(
    "HEALTHKIT_ADMIN_ENABLED", default="false" if PROD else "true", choices=("true", "false")
) == "true"

# Failed token authentications allowed per client IP and per token prefix (DRF rates:
# N/second|minute|hour|day); more answer 429 with Retry-After (backend.authentication).
HEALTHKIT_AUTH_FAILURES_PER_IP = env.string("HEALTHKIT_AUTH_FAILURES_PER_IP", default="30/minute")
HEALTHKIT_AUTH_FAILURES_PER_TOKEN_PREFIX = env.string("HEALTHKIT_AUTH_FAILURES_PER_TOKEN_PREFIX", default="10/minute")
for _name, _rate in (
    ("HEALTHKIT_AUTH_FAILURES_PER_IP", HEALTHKIT_AUTH_FAILURES_PER_IP),
    ("HEALTHKIT_AUTH_FAILURES_PER_TOKEN_PREFIX", HEALTHKIT_AUTH_FAILURES_PER_TOKEN_PREFIX),
):
    if not re.fullmatch(r"[1-9][0-9]*/(s|sec|second|m|min|minute|h|hour|d|day)", _rate):
        env.invalid(f"{_name} ({_rate}) must be a rate like 30/minute (N/second|minute|hour|day, N >= 1)")
# Proxies in front of the api that append to X-Forwarded-For (the ALB: 1); the client IP is
# the address they saw, never one a client wrote itself.
NUM_PROXIES = env.integer("DJANGO_NUM_PROXIES", default=1 if PROD else 0, minimum=0)

CACHES = {
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
    # shared by every api task (the database): failed-authentication counters
    "throttle": {
        "BACKEND": "django.core.cache.backends.db.DatabaseCache",
        "LOCATION": "healthkit_throttle_cache",  # healthkit.models.ThrottleCacheEntry (a migration makes it)
    },
}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["backend.authentication.ThrottledTokenAuthentication"],
    "NUM_PROXIES": NUM_PROXIES,
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["rest_framework.parsers.JSONParser"],
    "DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema",
    "EXCEPTION_HANDLER": "backend.exception_handlers.api_exception_handler",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "HealthKit import API",
    "DESCRIPTION": "Imports Apple HealthKit samples in chunks (see docs/app.md).",
    "VERSION": "1.0.0",
    "SERVE_INCLUDE_SCHEMA": False,
}

# --- Metrics: CloudWatch embedded metric format (EMF) lines on stdout (healthkit.metrics) -----

AWS_EMF_NAMESPACE = env.string("AWS_EMF_NAMESPACE", default="HealthKitImport")
AWS_EMF_SERVICE_NAME = env.string("AWS_EMF_SERVICE_NAME", default="healthkit")
# Local: lines on stdout, shipped by the awslogs driver (never an agent, never a probe of EC2 metadata).
AWS_EMF_ENVIRONMENT = env.choice("AWS_EMF_ENVIRONMENT", default="Local", choices=("Local",))

# --- Logging: one JSON object per line on stdout (the awslogs driver ships them) -----------

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "formatters": {"json": {"()": "backend.jsonlog.JsonFormatter", "fields": {"environment": HEALTHKIT_ENVIRONMENT}}},
    "handlers": {"stdout": {"class": "logging.StreamHandler", "formatter": "json", "stream": "ext://sys.stdout"}},
    "root": {
        "handlers": ["stdout"],
        "level": env.choice("DJANGO_LOG_LEVEL", default="INFO", choices=("DEBUG", "INFO", "WARNING", "ERROR")),
    },
}
# The worker logs through LOGGING too (backend.celery), and leaves stdout alone: EMF lines
# written by pool processes must reach stdout as they are, not wrapped in a log record.
CELERY_WORKER_HIJACK_ROOT_LOGGER = False
CELERY_WORKER_REDIRECT_STDOUTS = False

env.check(django_env=DJANGO_ENV)
