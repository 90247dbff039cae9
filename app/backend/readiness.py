"""Readiness checks behind GET /readyz: the database answers and the queue is reachable."""

from functools import cache

import boto3
from botocore.config import Config
from django.conf import settings
from django.db import connections

from backend.rotating_postgresql.base import is_authentication_failure

CHECK_OK = "ok"
#: The database refused the credentials even after the secret was read again (the secret and the
#: database disagree: a rotation half done, or a wrong secret); told apart from "unreachable".
#: A category, not an error text: /readyz may answer it publicly (PUBLIC_DETAILS).
DATABASE_AUTH_FAILED = "failed: authentication"
#: details /readyz answers as they are; every other failure is answered `failed` and logged
PUBLIC_DETAILS = frozenset({DATABASE_AUTH_FAILED})
QUEUE_CHECK_SKIPPED = "ok (dev: no queue URL, tasks run in-process)"

#: (passed, one-line detail)
CheckResult = tuple[bool, str]

# Short: a readiness probe must answer well before the caller's own timeout.
_SQS_CLIENT_CONFIG = Config(connect_timeout=2, read_timeout=3, retries={"total_max_attempts": 1})


def _failure(exc: Exception) -> CheckResult:
    first_line = (str(exc).strip().splitlines() or [""])[0]
    return False, f"failed: {type(exc).__name__}: {first_line}"[:300]


def database_check() -> CheckResult:
    """`SELECT 1` on the default database."""
    connection = connections["default"]
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:  # any failure means not ready; say which
        connection.close_if_unusable_or_obsolete()
        if is_authentication_failure(exc):
            return False, DATABASE_AUTH_FAILED
        return _failure(exc)
    return True, CHECK_OK


@cache
def _sqs_client(region: str):
    # AWS_ENDPOINT_URL_SQS, when set, is honoured by boto3 itself (tests, local emulators).
    return boto3.client("sqs", region_name=region, config=_SQS_CLIENT_CONFIG)


def queue_check() -> CheckResult:
    """SQS GetQueueAttributes on the configured queue URL (what the api role may call)."""
    if settings.CELERY_TASK_ALWAYS_EAGER:
        return True, QUEUE_CHECK_SKIPPED
    try:
        _sqs_client(settings.AWS_REGION).get_queue_attributes(
            QueueUrl=settings.CELERY_APPLE_HEALTH_QUEUE_URL, AttributeNames=["QueueArn"]
        )
    except Exception as exc:  # any failure means not ready; say which
        return _failure(exc)
    return True, CHECK_OK


def readiness_checks() -> dict[str, CheckResult]:
    return {"database": database_check(), "queue": queue_check()}
