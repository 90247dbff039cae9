"""Principals in the emulator: the rehearsal's own IAM user, and task role sessions.

The rehearsal creates everything with moto's enforcement off, then creates one IAM user with an
inline ``*`` policy (the local stand-in for whoever runs ``pulumi up``) and switches enforcement
on. Each task then gets credentials of its own role through ``sts:AssumeRole`` made by that user,
which the adapted trust policies allow (:mod:`rehearsal.trust`), as ECS would hand a task
its task role.
"""

from __future__ import annotations

import json

from rehearsal.emulator import Credentials, Emulator

LOCAL_USER = "rehearsal"

_ADMIN_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}


def local_user_create(emulator: Emulator) -> Credentials:
    """Create the rehearsal's IAM user with an access key; its credentials."""
    iam = emulator.client("iam")
    arn = iam.create_user(UserName=LOCAL_USER)["User"]["Arn"]
    iam.put_user_policy(UserName=LOCAL_USER, PolicyName="rehearsal-admin", PolicyDocument=json.dumps(_ADMIN_POLICY))
    key = iam.create_access_key(UserName=LOCAL_USER)["AccessKey"]
    return Credentials(key["AccessKeyId"], key["SecretAccessKey"], principal_arn=arn)


def role_session(emulator: Emulator, role_arn: str, session_name: str) -> Credentials:
    """Credentials of ``role_arn`` (AssumeRole by the rehearsal's user, one hour)."""
    answer = emulator.client("sts").assume_role(RoleArn=role_arn, RoleSessionName=session_name)
    c = answer["Credentials"]
    return Credentials(c["AccessKeyId"], c["SecretAccessKey"], c["SessionToken"],
                       principal_arn=answer["AssumedRoleUser"]["Arn"])
