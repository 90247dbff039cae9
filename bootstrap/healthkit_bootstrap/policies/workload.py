"""The permissions boundary of every project role: the most a task or execution role can do."""

from __future__ import annotations

from healthkit_bootstrap.policies.documents import Scope, document, ecr_repositories, log_groups, statement


def workload_boundary_policy(scope: Scope) -> dict:
    """Permissions boundary required on every role the deploy role creates.

    The most a project role (task role, execution role) can ever do, whatever policy the program
    attaches: the project's queues, images, logs and secrets, KMS through those services, ECS Exec, and
    the objects under exports/ of the project's exports buckets.
    It caps the deploy role's IAM rights: a role it creates can never exceed this.
    """
    return document(
        statement("Queues", ["sqs:ChangeMessageVisibility", "sqs:DeleteMessage", "sqs:GetQueueAttributes",
                             "sqs:GetQueueUrl", "sqs:ReceiveMessage", "sqs:SendMessage"],
                  [scope.arn("sqs", f"{scope.prefix}-*")]),
        statement("PullImages", ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"],
                  ecr_repositories(scope)),
        statement("RegistryLogin", ["ecr:GetAuthorizationToken"], "*"),
        statement("WriteLogs", ["logs:CreateLogStream", "logs:DescribeLogStreams", "logs:PutLogEvents"], log_groups(scope)),
        statement("ReadSecrets", ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"],
                  [scope.arn("secretsmanager", f"secret:{scope.prefix}-*"), scope.arn("secretsmanager", "secret:rds!*")]),
        statement("KeysThroughServices", ["kms:Decrypt", "kms:GenerateDataKey"], [scope.arn("kms", "key/*")],
                  {"StringLike": {"kms:ViaService": ["sqs.*.amazonaws.com", "secretsmanager.*.amazonaws.com"]}}),
        # the exports buckets' uploads: the api presigns PutObject, the worker reads and deletes
        statement("Exports", ["s3:DeleteObject", "s3:GetObject", "s3:PutObject"],
                  [f"arn:{scope.partition}:s3:::{scope.prefix}-*-exports-*/exports/*"]),
        statement("EcsExec", ["ssmmessages:CreateControlChannel", "ssmmessages:CreateDataChannel",
                              "ssmmessages:OpenControlChannel", "ssmmessages:OpenDataChannel"], "*"),
    )
