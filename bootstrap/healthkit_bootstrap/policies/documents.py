"""The building blocks of the bootstrap's policy documents: the names and scopes they use
(``ci-<prefix>-...`` for the bootstrap's own resources, ``<prefix>-*`` for the project's) and
statements."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

VERSION = "2012-10-17"
GITHUB_OIDC_HOST = "token.actions.githubusercontent.com"
GITHUB_OIDC_URL = f"https://{GITHUB_OIDC_HOST}"
STS_AUDIENCE = "sts.amazonaws.com"
ECS_TASKS_SERVICE = "ecs-tasks.amazonaws.com"
# The tag the main program puts on every taggable resource (infra/settings/: Project=<appName>).
PROJECT_TAG = "Project"
# Service-linked roles the first deployment in an account may create.
SERVICE_LINKED_ROLES = (
    "ecs.amazonaws.com",
    "ecs.application-autoscaling.amazonaws.com",
    "elasticloadbalancing.amazonaws.com",
    "rds.amazonaws.com",
)


@dataclass(frozen=True)
class Scope:
    """Where the policies apply: one account, one partition, one project prefix."""

    account_id: str
    prefix: str
    partition: str = "aws"

    def arn(self, service: str, resource: str, region: str = "*") -> str:
        return f"arn:{self.partition}:{service}:{region}:{self.account_id}:{resource}"

    def iam(self, resource: str) -> str:
        return f"arn:{self.partition}:iam::{self.account_id}:{resource}"

    @property
    def project_roles(self) -> str:
        return self.iam(f"role/{self.prefix}-*")

    @property
    def tag_condition(self) -> dict:
        return {"StringEquals": {f"aws:ResourceTag/{PROJECT_TAG}": self.prefix}}

    @property
    def request_tag_condition(self) -> dict:
        return {"StringEquals": {f"aws:RequestTag/{PROJECT_TAG}": self.prefix}}


@dataclass(frozen=True)
class StateBackend:
    """The Pulumi state bucket and the KMS key of its objects and of the stacks' secrets."""

    bucket_arn: str
    key_arn: str


def ci_name(prefix: str, suffix: str) -> str:
    """Names of the bootstrap's own resources: outside the ``<prefix>-*`` namespace on purpose."""
    return f"ci-{prefix}-{suffix}"


def log_groups(scope: Scope) -> list[str]:
    """Log groups the project may use: `<prefix>-*`, `/ecs/<prefix>-*`, `/<prefix>/*` (streams included)."""
    return [scope.arn("logs", f"log-group:{name}") for name in (f"{scope.prefix}-*", f"/ecs/{scope.prefix}-*", f"/{scope.prefix}/*")]


def ecr_repositories(scope: Scope) -> list[str]:
    return [scope.arn("ecr", f"repository/{scope.prefix}"), scope.arn("ecr", f"repository/{scope.prefix}-*")]


def statement(sid: str, actions: Sequence[str], resources: Sequence[str] | str, condition: dict | None = None,
              effect: str = "Allow") -> dict:
    result = {
        "Sid": sid,
        "Effect": effect,
        "Action": sorted(actions),
        "Resource": resources if isinstance(resources, str) else list(resources),
    }
    if condition:
        result["Condition"] = condition
    return result


def document(*statements: dict) -> dict:
    return {"Version": VERSION, "Statement": list(statements)}
