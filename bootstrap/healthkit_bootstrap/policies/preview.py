"""The preview role's inline policy, next to the AWS managed ReadOnlyAccess."""

from __future__ import annotations

from healthkit_bootstrap.policies.documents import Scope, StateBackend, document, statement


def django_key_secrets(scope: Scope) -> str:
    """The Django key secrets the stacks create (``<prefix>-<stack>/django-secret-key``, plus the
    6-character suffix Secrets Manager adds)."""
    return scope.arn("secretsmanager", f"secret:{scope.prefix}-*/django-secret-key-??????")


def preview_policy(scope: Scope, state: StateBackend | None) -> dict:
    """Inline policy of the preview role, next to the AWS managed ReadOnlyAccess.

    ReadOnlyAccess can read resource configuration everywhere (what `pulumi preview` and
    `--refresh` need), but also some data: this denies reading the application's data (queue
    messages, secret values, log events) and objects of other buckets than the state's, and grants
    reading the state and decrypting its secrets.

    One secret value stays readable: the stacks' Django key. `pulumi preview --refresh` reads
    every SecretVersion it manages back with GetSecretValue, and the Django key is one. The
    preview role learns nothing new from it: the same value is in the stack's state, which this
    role reads and decrypts anyway. The database password (RDS-managed, not in the state) stays
    denied.
    """
    data_reads = ["sqs:ReceiveMessage", "logs:GetLogEvents", "logs:FilterLogEvents", "logs:StartQuery",
                  "logs:GetLogRecord"]
    statements = [statement("DenyApplicationData", data_reads, "*", effect="Deny")]
    deny_secrets = statement("DenySecretValuesNotInTheState", ["secretsmanager:GetSecretValue"], "*", effect="Deny")
    del deny_secrets["Resource"]
    deny_secrets["NotResource"] = [django_key_secrets(scope)]
    statements += [deny_secrets, statement("RefreshDjangoKeyVersions", ["secretsmanager:GetSecretValue"],
                                           [django_key_secrets(scope)])]
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
