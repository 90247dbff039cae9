"""What the ECS agent does with a task's execution role: authenticate to ECR, read the secrets
of the container definitions, and ship the containers' output to CloudWatch Logs.

moto's server checks the resource ARN of a call only for SQS, IAM, STS and S3 (and, taught by
:mod:`rehearsal.emulator`, Secrets Manager); for CloudWatch Logs it compares the policies'
``Resource`` with ``*``, so a correctly scoped execution role would be refused everything. The agent therefore evaluates the execution
role's own policies (read back from the emulator) with moto's IAM policy engine for the exact
ARN it is about to use, refuses what they do not allow, and then makes the call as the
rehearsal's user. ``ecr:GetAuthorizationToken`` (``Resource: "*"``) is called with the execution
role's own credentials.
"""

from __future__ import annotations

import json
import time
import uuid
from dataclasses import dataclass, field

from rehearsal.emulator import Credentials, Emulator
from rehearsal.steps import StepFailed

#: CloudWatch Logs PutLogEvents limits: events per call, and bytes (each event counts 26 more).
_MAX_EVENTS, _MAX_BYTES = 10_000, 1_000_000


@dataclass(frozen=True)
class SecretReference:
    """One ECS ``secrets`` entry: ``valueFrom`` = ``<secret-arn>[:<json-key>:<stage>:<version-id>]``."""

    name: str
    secret_arn: str
    json_key: str = ""
    version_stage: str = ""
    version_id: str = ""

    @classmethod
    def parse(cls, name: str, value_from: str) -> SecretReference:
        prefix, _, rest = value_from.partition(":secret:")
        parts = rest.split(":")
        secret_arn = f"{prefix}:secret:{parts[0]}"
        extra = parts[1:] + ["", "", ""]
        return cls(name, secret_arn, extra[0], extra[1], extra[2])


@dataclass
class ExecutionRole:
    """The execution role of one task definition, used as the ECS agent would."""

    emulator: Emulator
    role_arn: str
    credentials: Credentials
    allowed: list[str] = field(default_factory=list)
    """``action on resource`` the role was checked for (for the report)."""
    _documents: list[str] | None = field(default=None, repr=False)

    @property
    def role_name(self) -> str:
        return self.role_arn.rsplit("/", 1)[-1]

    def _policies(self) -> list[str]:
        if self._documents is None:
            self._documents = self._read_policies()
        return self._documents

    def _read_policies(self) -> list[str]:
        iam = self.emulator.client("iam")
        documents = [json.dumps(iam.get_role_policy(RoleName=self.role_name, PolicyName=name)["PolicyDocument"])
                     for name in iam.list_role_policies(RoleName=self.role_name)["PolicyNames"]]
        for attached in iam.list_attached_role_policies(RoleName=self.role_name)["AttachedPolicies"]:
            policy = iam.get_policy(PolicyArn=attached["PolicyArn"])["Policy"]
            version = iam.get_policy_version(PolicyArn=attached["PolicyArn"], VersionId=policy["DefaultVersionId"])
            documents.append(json.dumps(version["PolicyVersion"]["Document"]))
        return documents

    def check(self, action: str, resource: str, purpose: str) -> None:
        """Raise :class:`StepFailed` unless the role's policies allow ``action`` on ``resource``."""
        from moto.iam.access_control import IAMPolicy, PermissionResult

        results = [IAMPolicy(document).is_action_permitted(action, resource) for document in self._policies()]
        if PermissionResult.DENIED in results or PermissionResult.PERMITTED not in results:
            raise StepFailed(f"execution role {self.role_name} is not allowed {action} on {resource} "
                             f"(needed {purpose})")
        if f"{action} on {resource}" not in self.allowed:
            self.allowed.append(f"{action} on {resource}")

    def registry_login(self) -> None:
        """``ecr:GetAuthorizationToken`` with the role's own credentials (the image pull's first call)."""
        from botocore.exceptions import ClientError

        try:
            self.emulator.client("ecr", self.credentials).get_authorization_token()
        except ClientError as error:
            raise StepFailed(f"execution role {self.role_name} got {error.response['Error'].get('Code')} for "
                             "ecr:GetAuthorizationToken (needed to pull the image)") from error
        self.allowed.append("ecr:GetAuthorizationToken on *")

    def secret_value(self, reference: SecretReference, container: str) -> str:
        """The value ECS would put in the container's variable ``reference.name``."""
        self.check("secretsmanager:GetSecretValue", reference.secret_arn, f"for {container}'s {reference.name}")
        params: dict = {"SecretId": reference.secret_arn}
        if reference.version_id:
            params["VersionId"] = reference.version_id
        elif reference.version_stage:
            params["VersionStage"] = reference.version_stage
        value = self.emulator.client("secretsmanager").get_secret_value(**params)["SecretString"]
        if not reference.json_key:
            return value
        try:
            return str(json.loads(value)[reference.json_key])
        except (ValueError, KeyError) as error:
            raise StepFailed(f"secret {reference.secret_arn} has no JSON key {reference.json_key!r} "
                             f"(needed for {container}'s {reference.name})") from error

    def ship_logs(self, *, group: str, stream: str, lines: list[str], region: str, account: str) -> int:
        """What the awslogs driver does: create the stream, put the lines as events; how many."""
        stream_arn = f"arn:aws:logs:{region}:{account}:log-group:{group}:log-stream:{stream}"
        self.check("logs:CreateLogStream", stream_arn, "by the awslogs driver")
        self.check("logs:PutLogEvents", stream_arn, "by the awslogs driver")
        logs = self.emulator.client("logs")
        logs.create_log_stream(logGroupName=group, logStreamName=stream)
        now = int(time.time() * 1000)
        events = [{"timestamp": now, "message": line[:200_000]} for line in lines if line.strip()]
        batch: list[dict] = []
        size = 0
        for event in events:
            cost = len(event["message"].encode()) + 26
            if batch and (len(batch) >= _MAX_EVENTS or size + cost > _MAX_BYTES):
                logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
                batch, size = [], 0
            batch.append(event)
            size += cost
        if batch:
            logs.put_log_events(logGroupName=group, logStreamName=stream, logEvents=batch)
        return len(events)


def task_id() -> str:
    """An ECS-like task id (32 hex characters)."""
    return uuid.uuid4().hex
