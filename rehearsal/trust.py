"""The one change the rehearsal makes to IAM: who may assume the task and execution roles.

A role's trust policy names the ECS service (``Principal: {"Service": "ecs-tasks.amazonaws.com"}``);
in AWS, ECS assumes the role for each task. moto cannot act as a service principal (and its trust
evaluation fails on a statement without an ``AWS`` principal), so each statement that trusts
the ECS service is rewritten to trust the rehearsal's own IAM user instead, keeping its actions
and conditions. moto evaluates only ``StringEquals`` on ``sts:ExternalId`` among conditions, so
``aws:SourceAccount`` / ``aws:SourceArn`` stay in the document but are not checked. Permissions
policies are never changed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass


@dataclass(frozen=True)
class TrustAdaptation:
    role: str
    original: dict
    adapted: dict
    replaced_principals: tuple[str, ...]

    def sentence(self, local_principal: str) -> str:
        services = ", ".join(self.replaced_principals)
        return f"{self.role}: trusts {local_principal} instead of {services}"


def _services(principal) -> list[str]:
    if not isinstance(principal, dict):
        return []
    services = principal.get("Service", [])
    return [services] if isinstance(services, str) else list(services)


def adapt_trust_policy(role: str, document: str | dict, local_principal: str) -> TrustAdaptation:
    """Replace every service principal of ``document`` by ``local_principal`` (an IAM ARN)."""
    original = json.loads(document) if isinstance(document, str) else document
    statements = original.get("Statement", [])
    statements = [statements] if isinstance(statements, dict) else statements
    adapted_statements, replaced = [], []
    for statement in statements:
        services = _services(statement.get("Principal"))
        if services:
            replaced.extend(services)
            statement = {**statement, "Principal": {"AWS": local_principal}}
        adapted_statements.append(statement)
    adapted = {**original, "Statement": adapted_statements}
    return TrustAdaptation(role, original, adapted, tuple(dict.fromkeys(replaced)))
