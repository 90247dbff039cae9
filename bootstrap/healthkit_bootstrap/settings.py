"""Bootstrap settings: the stack config, validated once, as a plain dataclass."""

from __future__ import annotations

import re
from dataclasses import dataclass

# GitHub: owner 1-39 alphanumerics or single hyphens (not leading/trailing); repository name
# 1-100 of [A-Za-z0-9._-], not "." or "..".
_OWNER = r"[A-Za-z0-9](?:[A-Za-z0-9]|-(?=[A-Za-z0-9])){0,38}"
_NAME = r"[A-Za-z0-9._-]{1,100}"
GITHUB_REPOSITORY_RE = re.compile(rf"{_OWNER}/{_NAME}")
PROJECT_PREFIX_RE = re.compile(r"[a-z][a-z0-9]*(?:-[a-z0-9]+)*")
OIDC_PROVIDER_ARN_RE = re.compile(r"arn:aws[a-z-]*:iam::\d{12}:oidc-provider/token\.actions\.githubusercontent\.com")


class SettingsError(ValueError):
    """A config value is invalid; the message names the key, the rule and the fix."""


@dataclass(frozen=True)
class BootstrapSettings:
    """What the bootstrap builds.

    github_repository: the one repository (owner/name) whose workflows may assume the roles.
        Required; no wildcards.
    project_prefix: prefix of the names of every resource the main program creates ("healthkit"
        -> healthkit-dev-queue...). The deploy role manages and passes only those. 2-20 lowercase
        characters, hyphen-separated. Default: "healthkit".
    create_state_backend: create the S3 bucket + KMS key of the Pulumi state (and the awskms
        secrets provider). Default: True.
    existing_oidc_provider_arn: reuse the account's GitHub OIDC provider instead of creating
        one (IAM allows one per URL per account). Default: None (create it).
    deploy_branch: the branch whose workflows may deploy (OIDC sub ref:refs/heads/<branch>).
        Default: "main".
    deploy_environment: the GitHub environment whose jobs may deploy (OIDC sub
        environment:<name>); protect it with required reviewers. Default: "prod".
    require_workload_boundary: roles the deploy role creates must carry the workload boundary
        (ci-<prefix>-workload-boundary). Turning it off lets CI grant a <prefix>-* role anything
        and pass it to a task. The stacks set the boundary (rolePermissionsBoundary in both stack files), so keep
        it on. Default: True.
    """

    github_repository: str
    project_prefix: str = "healthkit"
    create_state_backend: bool = True
    existing_oidc_provider_arn: str | None = None
    deploy_branch: str = "main"
    deploy_environment: str = "prod"
    require_workload_boundary: bool = True

    def __post_init__(self) -> None:
        validate_github_repository(self.github_repository)
        if not (2 <= len(self.project_prefix) <= 20 and PROJECT_PREFIX_RE.fullmatch(self.project_prefix)):
            raise SettingsError(
                f"projectPrefix ({self.project_prefix!r}) must be 2-20 lowercase letters, digits and single "
                "hyphens, starting with a letter (e.g. healthkit): it prefixes bucket, queue and role names"
            )
        if self.existing_oidc_provider_arn and not OIDC_PROVIDER_ARN_RE.fullmatch(self.existing_oidc_provider_arn):
            raise SettingsError(
                f"existingOidcProviderArn ({self.existing_oidc_provider_arn!r}) must be the ARN of the "
                "token.actions.githubusercontent.com provider (arn:aws:iam::<account>:oidc-provider/"
                "token.actions.githubusercontent.com), or empty to create it"
            )
        for key, value in (("deploy_branch", self.deploy_branch), ("deploy_environment", self.deploy_environment)):
            if not value or any(c in value for c in "*?[]"):
                raise SettingsError(f"{key} ({value!r}) must be one exact name, without wildcards")


def validate_github_repository(value: str) -> str:
    if not isinstance(value, str) or not GITHUB_REPOSITORY_RE.fullmatch(value) or value.split("/")[1] in (".", ".."):
        raise SettingsError(
            f"githubRepository ({value!r}) must be exactly one repository, owner/name (e.g. acme/healthkit-fargate): "
            "no wildcards, no URL; only that repository's workflows may assume the CI roles"
        )
    return value


def settings_from_config(config) -> BootstrapSettings:
    """The settings from a pulumi.Config (the only place that reads config)."""
    return BootstrapSettings(
        github_repository=config.require("githubRepository"),
        project_prefix=config.get("projectPrefix") or "healthkit",
        create_state_backend=config.get_bool("createStateBackend") is not False,
        existing_oidc_provider_arn=config.get("existingOidcProviderArn") or None,
        require_workload_boundary=config.get_bool("requireWorkloadBoundary") is not False,
    )
