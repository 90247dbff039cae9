"""IAM roles and inline policies, Secrets Manager secrets and their values."""

from __future__ import annotations

from proof.aws_requests.inputs import ApiRequest, Inputs, compact, tags_kv


def _iam_role(name: str, i: Inputs) -> list[ApiRequest]:
    prefix = i.take("namePrefix")
    params = compact({
        "RoleName": i.take("name") or (f"{prefix}{'0' * 26}"[:64] if prefix else name),
        "Path": i.take("path"),
        "AssumeRolePolicyDocument": i.take("assumeRolePolicy"),
        "Description": i.take("description"),
        "MaxSessionDuration": i.take("maxSessionDuration"),
        "PermissionsBoundary": i.take("permissionsBoundary"),
        "Tags": tags_kv(i.take("tags")),
    })
    i.done(provider_only=("forceDetachPolicies",))
    return [ApiRequest("iam", "CreateRole", params)]


def _iam_role_policy(name: str, i: Inputs) -> list[ApiRequest]:
    params = {"RoleName": i.take("role"), "PolicyName": i.take("name") or name, "PolicyDocument": i.take("policy")}
    i.done()
    return [ApiRequest("iam", "PutRolePolicy", params)]


def _secret(name: str, i: Inputs) -> list[ApiRequest]:
    params = compact({
        "Name": i.take("name") or name,
        "Description": i.take("description"),
        "KmsKeyId": i.take("kmsKeyId"),
        "Tags": tags_kv(i.take("tags")),
    })
    i.done(provider_only=("recoveryWindowInDays", "forceOverwriteReplicaSecret"))
    return [ApiRequest("secretsmanager", "CreateSecret", params)]


def _secret_version(name: str, i: Inputs) -> list[ApiRequest]:
    params = compact({"SecretId": i.take("secretId"), "SecretString": i.take("secretString"),
                       "VersionStages": i.take("versionStages")})
    i.done()
    return [ApiRequest("secretsmanager", "PutSecretValue", params)]


MAPPERS = {
    "aws:iam/role:Role": _iam_role,
    "aws:iam/rolePolicy:RolePolicy": _iam_role_policy,
    "aws:secretsmanager/secret:Secret": _secret,
    "aws:secretsmanager/secretVersion:SecretVersion": _secret_version,
}
