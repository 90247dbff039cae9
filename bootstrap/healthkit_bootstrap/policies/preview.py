"""The preview role's inline policy, next to the AWS managed ReadOnlyAccess."""

from __future__ import annotations

from healthkit_bootstrap.policies.documents import Scope, StateBackend, document, statement


def preview_policy(scope: Scope, state: StateBackend | None) -> dict:
    """Inline policy of the preview role, next to the AWS managed ReadOnlyAccess.

    ReadOnlyAccess can read resource configuration everywhere (what `pulumi preview` and
    `--refresh` need), but also some data: this denies reading the application's data (queue
    messages, secrets, log events) and objects of other buckets than the state's, and grants
    reading the state and decrypting its secrets.
    """
    data_reads = ["sqs:ReceiveMessage", "secretsmanager:GetSecretValue", "logs:GetLogEvents",
                  "logs:FilterLogEvents", "logs:StartQuery", "logs:GetLogRecord"]
    statements = [statement("DenyApplicationData", data_reads, "*", effect="Deny")]
    objects = ["s3:GetObject", "s3:GetObjectVersion"]
    if state is None:
        statements.append(statement("DenyBucketObjects", objects, "*", effect="Deny"))
        return document(*statements)
    deny_other_objects = statement("DenyObjectsOutsideState", objects, "*", effect="Deny")
    del deny_other_objects["Resource"]
    deny_other_objects["NotResource"] = [f"{state.bucket_arn}/*"]
    statements += [
        deny_other_objects,
        statement("ReadState", ["s3:ListBucket"], [state.bucket_arn]),
        statement("ReadStateObjects", ["s3:GetObject", "s3:GetObjectVersion"], [f"{state.bucket_arn}/*"]),
        statement("DecryptState", ["kms:Decrypt", "kms:DescribeKey"], [state.key_arn]),
    ]
    return document(*statements)
