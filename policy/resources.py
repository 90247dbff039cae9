"""What a rule sees of a stack: type tokens, the :class:`Resource` view, and readers of the
policy documents and container definitions resources carry.

Properties may be plain dicts/lists (tests) or pulumi_policy's read-only proxies (a real preview:
``Mapping``/``Sequence`` that raise ``UnknownValueError`` on values not known yet), so the readers
only rely on ``Mapping``/``Sequence`` behaviour.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

QUEUE = "aws:sqs/queue:Queue"
QUEUE_POLICY = "aws:sqs/queuePolicy:QueuePolicy"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE = "aws:iam/role:Role"
ROLE_POLICY = "aws:iam/rolePolicy:RolePolicy"
IAM_POLICY = "aws:iam/policy:Policy"
TASK_DEFINITION = "aws:ecs/taskDefinition:TaskDefinition"
TARGET_GROUP = "aws:lb/targetGroup:TargetGroup"
LOAD_BALANCER = "aws:lb/loadBalancer:LoadBalancer"
SCALABLE_TARGET = "aws:appautoscaling/target:Target"
DB_INSTANCE = "aws:rds/instance:Instance"

#: Resources holding state that must survive a mistaken ``pulumi destroy`` in prod.
STATEFUL_TYPES = frozenset({
    QUEUE, "aws:ecr/repository:Repository", DB_INSTANCE, "aws:secretsmanager/secret:Secret",
    "aws:cloudwatch/logGroup:LogGroup",
})

#: Never plain environment. DJANGO_SECRET_KEY comes from ECS secrets; the database credentials
#: rotate, so the app reads them from the secret DB_SECRET_ARN names (runtime-contract.md).
SECRET_VARIABLES = ("DJANGO_SECRET_KEY", "DB_USER", "DB_PASSWORD")
ECS_SECRET_VARIABLES = ("DJANGO_SECRET_KEY",)
DATABASE_SECRET_VARIABLE = "DB_SECRET_ARN"


@dataclass(frozen=True)
class Resource:
    """What a rule sees of a resource."""

    type: str
    name: str
    props: Mapping[str, Any]
    protect: bool = False
    urn: str = ""


def resources_from_records(records: Iterable[Any]) -> list[Resource]:
    """Rule views of recorded provider resources (``proof.mockrun.RecordedResource``): their
    properties are the mock's outputs, which include the inputs, as in a real stack validation."""
    return [Resource(r.type, r.name, r.outputs, r.protect, r.urn) for r in records if r.custom]


def json_value(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return None
    return value


def as_list(value: Any) -> list:
    if value is None:
        return []
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return list(value)
    return [value]


def statements(document: Any) -> list[dict]:
    """Statements of a policy document (a JSON string or dict)."""
    doc = json_value(document) or {}
    return [s for s in as_list(doc.get("Statement")) if isinstance(s, Mapping)]


def iam_documents(resources: Iterable[Resource]) -> Iterator[tuple[Resource, str, Any]]:
    """Every policy document the resources carry: ``(resource, kind, document)`` with kind
    ``permissions`` (identity policies), ``trust`` (assume-role) or ``resource`` (queue and bucket policies)."""
    for r in resources:
        if r.type in (ROLE_POLICY, IAM_POLICY) and r.props.get("policy"):
            yield r, "permissions", r.props["policy"]
        elif r.type == ROLE:
            if r.props.get("assumeRolePolicy"):
                yield r, "trust", r.props["assumeRolePolicy"]
            for inline in as_list(r.props.get("inlinePolicies")):
                if isinstance(inline, Mapping) and inline.get("policy"):
                    yield r, "permissions", inline["policy"]
        elif r.type in (QUEUE_POLICY, QUEUE, BUCKET_POLICY) and r.props.get("policy"):
            yield r, "resource", r.props["policy"]


def allow_statements(r: Resource) -> Iterator[dict]:
    for _, kind, doc in iam_documents([r]):
        if kind == "permissions":
            for s in statements(doc):
                if s.get("Effect") == "Allow":
                    yield s


def container_definitions(r: Resource) -> list[dict]:
    """A task definition's container definitions (decoded)."""
    return [c for c in as_list(json_value(r.props.get("containerDefinitions"))) if isinstance(c, Mapping)]


def container_env(container: dict) -> dict[str, str]:
    return {e.get("name"): e.get("value") for e in container.get("environment", [])}


def is_worker(container: dict) -> bool:
    command = container.get("command") or []
    return container.get("name") == "worker" or (command[:1] == ["celery"] and "worker" in command)


def denies_insecure_transport(document: Any) -> bool:
    """True when a resource policy denies requests without TLS (aws:SecureTransport false)."""
    for s in statements(document):
        condition = (s.get("Condition") or {}).get("Bool") or {}
        if s.get("Effect") == "Deny" and str(condition.get("aws:SecureTransport")).lower() == "false":
            return True
    return False
