"""Policy documents as pure functions: IAM trust and permission policies, queue policies and the
ECR lifecycle policy. Each takes plain strings (ARNs, names) and returns a dict ready for
``json.dumps``; components call them inside ``Output.apply``.

Least privilege (DESIGN.md): every statement is scoped to ARNs the stack created, no ``*``
actions, ``Resource: "*"`` only for ``ecr:GetAuthorizationToken``.
"""

from __future__ import annotations

from collections.abc import Sequence

from infra import invariants as inv

VERSION = "2012-10-17"


def _doc(*statements: dict) -> dict:
    return {"Version": VERSION, "Statement": list(statements)}


def ecs_tasks_trust_policy(account_id: str | None = None, region: str | None = None) -> dict:
    """Trust policy letting ECS tasks assume a role.

    With ``account_id`` and ``region`` (task roles), the ``aws:SourceAccount`` / ``aws:SourceArn``
    conditions stop another account's ECS from assuming it (confused deputy).
    """
    statement: dict = {
        "Sid": "EcsTasksAssume",
        "Effect": "Allow",
        "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
    }
    if account_id and region:
        statement["Condition"] = {
            "StringEquals": {"aws:SourceAccount": account_id},
            "ArnLike": {"aws:SourceArn": f"arn:aws:ecs:{region}:{account_id}:*"},
        }
    return _doc(statement)


def log_streams_arn(log_group_arn: str) -> str:
    """ARN of every stream of a log group (Pulumi's LogGroup.arn has no ``:*`` suffix)."""
    base = log_group_arn[:-2] if log_group_arn.endswith(":*") else log_group_arn
    return f"{base}:log-stream:*"


def execution_role_policy(
    *, repository_arn: str, log_group_arns: Sequence[str], secret_arns: Sequence[str],
) -> dict:
    """What ECS needs to start the tasks: pull from this repository, write to these log groups,
    read these secrets (the ``secrets`` of the container definitions: the Django key)."""
    return _doc(
        {
            "Sid": "EcrAuthToken",
            "Effect": "Allow",
            "Action": ["ecr:GetAuthorizationToken"],
            "Resource": "*",  # AWS offers no resource-level scoping for this action
        },
        {
            "Sid": "PullFromRepository",
            "Effect": "Allow",
            "Action": [
                "ecr:BatchCheckLayerAvailability",
                "ecr:BatchGetImage",
                "ecr:GetDownloadUrlForLayer",
            ],
            "Resource": [repository_arn],
        },
        {
            "Sid": "WriteLogs",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": [log_streams_arn(arn) for arn in log_group_arns],
        },
        {
            "Sid": "ReadSecrets",
            "Effect": "Allow",
            "Action": ["secretsmanager:GetSecretValue"],
            "Resource": sorted(set(secret_arns)),
        },
    )


def _database_secret_statement(database_secret_arn: str) -> dict:
    """Read the database secret (the app's credentials, re-read after a rotation). The secret is
    encrypted with the AWS managed key aws/secretsmanager, whose key policy lets Secrets Manager
    decrypt for any caller allowed GetSecretValue: no kms:Decrypt is needed (with a customer
    managed key it would be, on that key)."""
    return {
        "Sid": "ReadDatabaseSecret",
        "Effect": "Allow",
        "Action": list(inv.DATABASE_SECRET_ACTIONS),
        "Resource": [database_secret_arn],
    }


def exports_objects_arn(exports_bucket_arn: str) -> str:
    """Every object under the exports prefix of the exports bucket (never the bucket itself)."""
    return f"{exports_bucket_arn}/{inv.EXPORTS_PREFIX}*"


def _exports_statement(sid: str, actions: Sequence[str], exports_bucket_arn: str) -> dict:
    return {"Sid": sid, "Effect": "Allow", "Action": list(actions), "Resource": [exports_objects_arn(exports_bucket_arn)]}


def api_task_policy(*, queue_arn: str, database_secret_arn: str, exports_bucket_arn: str) -> dict:
    """The api task role: enqueue to the stack's queue and read its attributes (readiness), read
    the database secret, and put objects under ``exports/`` (what its presigned uploads need; the
    POST policy it signs pins each one to ``exports/<owner>/<export>``: owner scoping is the app's)."""
    return _doc({
        "Sid": "EnqueueImports",
        "Effect": "Allow",
        "Action": list(inv.API_QUEUE_ACTIONS),
        "Resource": [queue_arn],
    }, _database_secret_statement(database_secret_arn),
        _exports_statement("PresignExportUploads", inv.API_EXPORT_ACTIONS, exports_bucket_arn))


def worker_task_policy(*, queue_arn: str, database_secret_arn: str, exports_bucket_arn: str) -> dict:
    """The worker task role: consume the stack's queue (receive, delete, extend visibility),
    read its attributes, and send (Celery retries re-publish); read the database secret; read
    and delete uploaded exports (no write, no list)."""
    return _doc({
        "Sid": "ConsumeImports",
        "Effect": "Allow",
        "Action": list(inv.WORKER_QUEUE_ACTIONS),
        "Resource": [queue_arn],
    }, _database_secret_statement(database_secret_arn),
        _exports_statement("ReadAndDeleteExports", inv.WORKER_EXPORT_ACTIONS, exports_bucket_arn))


def deny_insecure_transport_bucket_policy(*, bucket_arn: str) -> dict:
    """Bucket policy denying every request that does not use TLS (aws:SecureTransport false)."""
    return _doc({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "s3:*",
        "Resource": [bucket_arn, f"{bucket_arn}/*"],
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })


def exports_lifecycle_rules(*, retention_days: int) -> list[dict]:
    """The exports bucket's lifecycle (S3 PutBucketLifecycleConfiguration rule shapes): uploads
    expire ``retention_days`` after they were written (the worker deletes each one once read;
    this catches uploads never completed or not deleted), and incomplete multipart uploads are
    aborted after one day."""
    return [
        {
            "ID": "expire-exports",
            "Status": "Enabled",
            "Filter": {"Prefix": inv.EXPORTS_PREFIX},
            "Expiration": {"Days": retention_days},
        },
        {
            "ID": "abort-incomplete-multipart-uploads",
            "Status": "Enabled",
            "Filter": {"Prefix": ""},
            "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": 1},
        },
    ]


def deny_insecure_transport_queue_policy(*, queue_arn: str) -> dict:
    """Queue policy denying every request that does not use TLS (aws:SecureTransport false)."""
    return _doc({
        "Sid": "DenyInsecureTransport",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": "sqs:*",
        "Resource": queue_arn,
        "Condition": {"Bool": {"aws:SecureTransport": "false"}},
    })


def redrive_policy(*, dead_letter_queue_arn: str, max_receive_count: int) -> dict:
    """The main queue's RedrivePolicy attribute."""
    return {"deadLetterTargetArn": dead_letter_queue_arn, "maxReceiveCount": max_receive_count}


def redrive_allow_policy(*, source_queue_arn: str) -> dict:
    """The dead-letter queue's RedriveAllowPolicy: only our main queue may use it."""
    return {"redrivePermission": "byQueue", "sourceQueueArns": [source_queue_arn]}


def ecr_lifecycle_policy(*, max_images: int) -> dict:
    """ECR lifecycle: keep the ``max_images`` most recent images, tagged or not; expire older ones.

    No rule expires untagged images by age. Tags are immutable here, so nothing is ever untagged by
    a re-push: the only untagged images are the children of an image index (the platform manifest
    and the build's attestation manifest that ``awsx.ecr.Image`` pushes through docker-build, whose
    tag and digest name the index). A task definition pinned to such an index runs its untagged
    platform manifest, and an "untagged older than N days" rule would expire it under a running
    service. Counting keeps an index and its children together (pushed at once, they age together).
    """
    return {
        "rules": [
            {
                "rulePriority": 1,
                "description": f"Keep the {max_images} most recent images",
                "selection": {
                    "tagStatus": "any",
                    "countType": "imageCountMoreThan",
                    "countNumber": max_images,
                },
                "action": {"type": "expire"},
            },
        ]
    }
