"""Who may assume the CI roles: GitHub OIDC tokens of exactly this repository's workflows."""

from __future__ import annotations

from collections.abc import Sequence

from healthkit_bootstrap.policies.documents import GITHUB_OIDC_HOST, STS_AUDIENCE, document


def preview_subjects(repository: str) -> list[str]:
    """OIDC `sub` of this repository's pull_request workflows (same-repository branches only:
    workflows of fork pull requests get no id-token)."""
    return [f"repo:{repository}:pull_request"]


def deploy_subjects(repository: str, branch: str = "main", environment: str = "prod") -> list[str]:
    """OIDC `sub` of this repository's jobs on the deploy branch, and of jobs in the protected environment."""
    return [f"repo:{repository}:ref:refs/heads/{branch}", f"repo:{repository}:environment:{environment}"]


def github_trust_policy(provider_arn: str, subjects: Sequence[str]) -> dict:
    """Assumable only with a GitHub OIDC token for STS whose `sub` is exactly one of ``subjects``."""
    if not subjects or any(c in s for s in subjects for c in "*?"):
        raise ValueError(f"trust subjects must be exact, without wildcards: {subjects}")
    return document({
        "Sid": "GitHubActionsOidc",
        "Effect": "Allow",
        "Principal": {"Federated": provider_arn},
        "Action": "sts:AssumeRoleWithWebIdentity",
        "Condition": {
            "StringEquals": {
                f"{GITHUB_OIDC_HOST}:aud": STS_AUDIENCE,
                f"{GITHUB_OIDC_HOST}:sub": list(subjects),
            }
        },
    })
