"""The invariants of DESIGN.md as plain functions over resources.

Properties may be plain dicts/lists (tests) or pulumi_policy's read-only proxies (a real preview:
``Mapping``/``Sequence`` that raise ``UnknownValueError`` on values not known yet, which makes the
framework skip the check), so the rules only rely on ``Mapping``/``Sequence`` behaviour.

A rule takes :class:`Resource` values (type token, logical name, properties with engine names,
``protect``) and returns violation messages (empty when satisfied). ``policy/pack.py`` wraps
them for ``pulumi preview --policy-pack policy``; tests call them directly on the resources
``proof.mockrun`` recorded. Resource rules look at one resource; stack rules join several
(task definition -> task role -> role policy; queue -> queue policy).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from infra import invariants as inv
from policy.bucket_rules import buckets_private_encrypted_tls_only, export_grants_problems
from policy.resources import (
    DB_INSTANCE,
    IAM_POLICY,
    LOAD_BALANCER,
    QUEUE,
    QUEUE_POLICY,
    ROLE,
    ROLE_POLICY,
    SCALABLE_TARGET,
    DATABASE_SECRET_VARIABLE,
    ECS_SECRET_VARIABLES,
    SECRET_VARIABLES,
    STATEFUL_TYPES,
    TARGET_GROUP,
    TASK_DEFINITION,
    Resource,
    allow_statements,
    as_list,
    container_definitions,
    container_env,
    denies_insecure_transport,
    is_worker,
    json_value,
)


@dataclass(frozen=True)
class Rule:
    """A named invariant: ``check`` takes one resource (``scope="resource"``) or all of them."""

    name: str
    description: str
    scope: str
    check: Callable[..., list[str]]
    types: frozenset = field(default_factory=frozenset)
    """Resource rules: the types they apply to (empty: all)."""


# --- Resource rules ----------------------------------------------------------------------------

def queue_long_polling(r: Resource) -> list[str]:
    wait = r.props.get("receiveWaitTimeSeconds")
    if wait != inv.RECEIVE_WAIT_SECONDS:
        return [f"queue {r.name}: receiveWaitTimeSeconds is {wait}, must be {inv.RECEIVE_WAIT_SECONDS} (long polling)"]
    return []


def queue_encrypted(r: Resource) -> list[str]:
    if r.props.get("sqsManagedSseEnabled") or r.props.get("kmsMasterKeyId"):
        return []
    return [f"queue {r.name}: not encrypted at rest (set sqsManagedSseEnabled or kmsMasterKeyId)"]


def iam_no_wildcard_actions(r: Resource) -> list[str]:
    out = []
    for s in allow_statements(r):
        if "NotAction" in s:
            out.append(f"{r.name}: Allow with NotAction grants every other action; name the actions")
        for action in as_list(s.get("Action")):
            if "*" in str(action):
                out.append(f"{r.name}: Allow statement grants {action!r}; name each action (no '*')")
    return out


def iam_star_resource_only_where_required(r: Resource) -> list[str]:
    out = []
    for s in allow_statements(r):
        if "*" in as_list(s.get("Resource")) or "NotResource" in s:
            extra = sorted(set(as_list(s.get("Action"))) - set(inv.STAR_RESOURCE_ACTIONS))
            if extra:
                out.append(f"{r.name}: Resource '*' for {extra}; only {list(inv.STAR_RESOURCE_ACTIONS)} may use it")
    return out


def iam_no_forbidden_sqs_actions(r: Resource) -> list[str]:
    out = []
    for s in allow_statements(r):
        bad = sorted(set(as_list(s.get("Action"))) & set(inv.FORBIDDEN_TASK_ACTIONS))
        if bad:
            out.append(f"{r.name}: grants {bad}; Celery must never create, list, purge or delete queues")
    return out


def task_definition_secrets_not_plain(r: Resource) -> list[str]:
    out = []
    for c in container_definitions(r):
        env = container_env(c)
        secret_names = {s.get("name") for s in c.get("secrets", [])}
        for name in SECRET_VARIABLES:
            if name in env:
                out.append(f"{r.name}/{c.get('name')}: {name} is plain environment; use ECS secrets")
        for name in ECS_SECRET_VARIABLES:
            if name not in secret_names:
                out.append(f"{r.name}/{c.get('name')}: {name} missing from secrets")
        if not str(env.get(DATABASE_SECRET_VARIABLE, "")).startswith("arn:"):
            out.append(f"{r.name}/{c.get('name')}: {DATABASE_SECRET_VARIABLE} must name the database secret's ARN "
                       "(the app reads its rotating credentials there)")
        if "AWS_ENDPOINT_URL_SQS" in env:
            out.append(f"{r.name}/{c.get('name')}: AWS_ENDPOINT_URL_SQS must never be set in AWS")
    return out


def worker_container_contract(r: Resource) -> list[str]:
    out = []
    for c in container_definitions(r):
        if not is_worker(c):
            continue
        where = f"{r.name}/{c.get('name')}"
        if c.get("stopTimeout") != inv.WORKER_STOP_TIMEOUT_SECONDS:
            out.append(f"{where}: stopTimeout is {c.get('stopTimeout')}, must be {inv.WORKER_STOP_TIMEOUT_SECONDS}")
        if c.get("portMappings"):
            out.append(f"{where}: the worker must not map ports")
        if (c.get("healthCheck") or {}).get("command") != inv.WORKER_HEALTH_CHECK_COMMAND:
            out.append(f"{where}: health check must be {inv.WORKER_HEALTH_CHECK_COMMAND} (not celery inspect ping)")
        soft = container_env(c).get("CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT")
        if soft is None or not int(soft) < (c.get("stopTimeout") or 0):
            out.append(f"{where}: CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT ({soft}) must be below stopTimeout")
        if "migrate" in " ".join(c.get("command") or []):
            out.append(f"{where}: the worker must never run migrations")
    return out


def api_migrates_before_serving(r: Resource) -> list[str]:
    containers = {c.get("name"): c for c in container_definitions(r)}
    api = containers.get("api")
    if api is None:
        return []
    migrate = containers.get("migrate")
    if migrate is None:
        return [f"{r.name}: api task has no migrate container"]
    out = []
    if migrate.get("essential", True):
        out.append(f"{r.name}: migrate must be essential: false (it exits when done)")
    if {"containerName": "migrate", "condition": "SUCCESS"} not in (api.get("dependsOn") or []):
        out.append(f"{r.name}: api must dependsOn migrate with condition SUCCESS")
    return out


def target_group_health_check(r: Resource) -> list[str]:
    path = (r.props.get("healthCheck") or {}).get("path")
    if path != inv.HEALTH_CHECK_PATH:
        return [f"{r.name}: health check path is {path!r}, must be {inv.HEALTH_CHECK_PATH}"]
    return []


def service_never_scales_to_zero(r: Resource) -> list[str]:
    if r.props.get("serviceNamespace") == "ecs" and (r.props.get("minCapacity") or 0) < 1:
        return [f"{r.name}: minCapacity {r.props.get('minCapacity')} < 1; a single message must always be served"]
    return []


def prod_stateful_resources_protected(r: Resource) -> list[str]:
    if (r.props.get("tags") or {}).get("Environment") != "prod":
        return []
    out = []
    if r.type in STATEFUL_TYPES and not r.protect:
        out.append(f"{r.name} ({r.type}) is stateful and must be protected in prod")
    if r.type == DB_INSTANCE and not r.props.get("deletionProtection"):
        out.append(f"{r.name}: deletionProtection must be on in prod")
    if r.type == LOAD_BALANCER and not r.props.get("enableDeletionProtection"):
        out.append(f"{r.name}: enableDeletionProtection must be on in prod")
    return out


# --- Stack rules -------------------------------------------------------------------------------

def _of(resources: Sequence[Resource], type_token: str) -> list[Resource]:
    return [r for r in resources if r.type == type_token]


def _dead_letter_arns(resources: Sequence[Resource]) -> set[str]:
    arns = set()
    for q in _of(resources, QUEUE):
        redrive = json_value(q.props.get("redrivePolicy")) or {}
        if redrive.get("deadLetterTargetArn"):
            arns.add(redrive["deadLetterTargetArn"])
    return arns


def queue_visibility_covers_time_limit(resources: Sequence[Resource]) -> list[str]:
    limits = []
    for td in _of(resources, TASK_DEFINITION):
        for c in container_definitions(td):
            if is_worker(c) and "CELERY_TASK_TIME_LIMIT" in container_env(c):
                limits.append(int(container_env(c)["CELERY_TASK_TIME_LIMIT"]))
    if not limits:
        return []
    needed = inv.visibility_timeout_for(max(limits))
    dlqs = _dead_letter_arns(resources)
    out = []
    for q in _of(resources, QUEUE):
        if q.props.get("arn") in dlqs:
            continue
        visibility = q.props.get("visibilityTimeoutSeconds") or 30
        if visibility < needed:
            out.append(f"queue {q.name}: visibilityTimeoutSeconds {visibility} < task time limit {max(limits)} "
                       f"+ {inv.VISIBILITY_MARGIN_SECONDS} = {needed}")
    return out


def queue_has_dead_letter_queue(resources: Sequence[Resource]) -> list[str]:
    dlqs = _dead_letter_arns(resources)
    out = []
    for q in _of(resources, QUEUE):
        if q.props.get("arn") in dlqs:
            continue
        redrive = json_value(q.props.get("redrivePolicy")) or {}
        if not redrive.get("deadLetterTargetArn") or not redrive.get("maxReceiveCount"):
            out.append(f"queue {q.name}: no redrivePolicy with a dead-letter queue and maxReceiveCount")
    return out


def queue_denies_insecure_transport(resources: Sequence[Resource]) -> list[str]:
    protected = {p.props.get("queueUrl") for p in _of(resources, QUEUE_POLICY)
                 if denies_insecure_transport(p.props.get("policy"))}
    out = []
    for q in _of(resources, QUEUE):
        if q.props.get("url") in protected or denies_insecure_transport(q.props.get("policy")):
            continue
        out.append(f"queue {q.name}: no policy denying requests without TLS (aws:SecureTransport false)")
    return out


def sqs_statements_scoped_to_stack_queues(resources: Sequence[Resource]) -> list[str]:
    queue_arns = {q.props.get("arn") for q in _of(resources, QUEUE)}
    out = []
    for r in resources:
        for s in allow_statements(r):
            if any(str(a).startswith("sqs:") for a in as_list(s.get("Action"))):
                outside = sorted(set(as_list(s.get("Resource"))) - queue_arns)
                if outside:
                    out.append(f"{r.name}: SQS statement on {outside}, not a queue of this stack")
    return out


def _role_grants(resources: Sequence[Resource], role_arn: str) -> dict[str, set[str]]:
    """Action -> the resources a role's Allow statements grant it on."""
    roles = [r for r in _of(resources, ROLE) if r.props.get("arn") == role_arn]
    names = {r.props.get("name") for r in roles} | {r.props.get("id") for r in roles}
    statements = [s for policy in _of(resources, ROLE_POLICY) if policy.props.get("role") in names
                  for s in allow_statements(policy)]
    statements += [s for role in roles for s in allow_statements(role)]
    grants: dict[str, set[str]] = {}
    for s in statements:
        for action in as_list(s.get("Action")):
            grants.setdefault(action, set()).update(as_list(s.get("Resource")))
    return grants


def task_roles_least_privilege(resources: Sequence[Resource]) -> list[str]:
    out = []
    for td in _of(resources, TASK_DEFINITION):
        names = {c.get("name") for c in container_definitions(td)}
        kind = "worker" if any(is_worker(c) for c in container_definitions(td)) else (
            "api" if "api" in names else None)
        if kind is None:
            continue
        allowed = set(inv.WORKER_QUEUE_ACTIONS if kind == "worker" else inv.API_QUEUE_ACTIONS)
        grants = _role_grants(resources, td.props.get("taskRoleArn"))
        actions = set(grants)
        sqs = {a for a in actions if a.startswith("sqs:")}
        s3 = {a for a in actions if a.startswith("s3:")}
        out += export_grants_problems(resources, name=td.name, kind=kind, grants=grants)
        if sqs - allowed:
            out.append(f"{td.name} ({kind}) task role holds {sorted(sqs - allowed)}; allowed: {sorted(allowed)}")
        if allowed - sqs:
            out.append(f"{td.name} ({kind}) task role lacks {sorted(allowed - sqs)}")
        secret_actions = set(inv.DATABASE_SECRET_ACTIONS)
        if actions - sqs - s3 - secret_actions:
            out.append(f"{td.name} ({kind}) task role holds {sorted(actions - sqs - s3 - secret_actions)}; beyond "
                       f"SQS and exports it may only {sorted(secret_actions)} the database secret")
        database_secret = {container_env(c).get(DATABASE_SECRET_VARIABLE) for c in container_definitions(td)} - {None}
        for action in secret_actions & actions:
            if grants[action] != database_secret:
                out.append(f"{td.name} ({kind}) task role may {action} on {sorted(grants[action])}, not only the "
                           f"database secret {sorted(database_secret)}")
    return out


def environment_parity(resources: Sequence[Resource]) -> list[str]:
    blocks = {}
    for td in _of(resources, TASK_DEFINITION):
        for c in container_definitions(td):
            blocks[f"{td.name}/{c.get('name')}"] = json.dumps(
                [c.get("environment"), c.get("secrets"), c.get("image")], sort_keys=False)
    if len(set(blocks.values())) > 1:
        return [f"containers differ in image, environment or secrets: {sorted(blocks)}"]
    return []


RULES: tuple[Rule, ...] = (
    Rule("queue-long-polling", "SQS queues long-poll (ReceiveMessageWaitTimeSeconds 20).",
         "resource", queue_long_polling, frozenset({QUEUE})),
    Rule("queue-encrypted", "SQS queues are encrypted at rest.", "resource", queue_encrypted, frozenset({QUEUE})),
    Rule("iam-no-wildcard-actions", "IAM Allow statements name every action (no '*').",
         "resource", iam_no_wildcard_actions, frozenset({ROLE, ROLE_POLICY, IAM_POLICY})),
    Rule("iam-star-resource-only-where-required",
         "Resource '*' only for actions without resource-level scoping (ecr:GetAuthorizationToken).",
         "resource", iam_star_resource_only_where_required, frozenset({ROLE, ROLE_POLICY, IAM_POLICY})),
    Rule("iam-no-queue-management", "No role may create, list, purge or delete queues.",
         "resource", iam_no_forbidden_sqs_actions, frozenset({ROLE, ROLE_POLICY, IAM_POLICY})),
    Rule("secrets-never-plain-environment",
         "DJANGO_SECRET_KEY comes from ECS secrets; DB_USER/DB_PASSWORD are never plain environment (DB_SECRET_ARN names "
         "the rotating database secret); AWS_ENDPOINT_URL_SQS is never set.",
         "resource", task_definition_secrets_not_plain, frozenset({TASK_DEFINITION})),
    Rule("worker-container-contract",
         "Worker: stopTimeout 120, no ports, heartbeat health check, soft shutdown below stopTimeout.",
         "resource", worker_container_contract, frozenset({TASK_DEFINITION})),
    Rule("api-migrates-before-serving", "The api task runs migrate first; api dependsOn it with SUCCESS.",
         "resource", api_migrates_before_serving, frozenset({TASK_DEFINITION})),
    Rule("target-group-health-check", "Target groups check GET /healthz.",
         "resource", target_group_health_check, frozenset({TARGET_GROUP})),
    Rule("service-never-scales-to-zero", "ECS scalable targets keep at least one task.",
         "resource", service_never_scales_to_zero, frozenset({SCALABLE_TARGET})),
    Rule("prod-stateful-resources-protected", "Every stateful resource in prod is protected from deletion.",
         "resource", prod_stateful_resources_protected),
    Rule("queue-visibility-covers-time-limit",
         "The queue's VisibilityTimeout >= the worker's hard task time limit + 60 s.",
         "stack", queue_visibility_covers_time_limit),
    Rule("queue-has-dead-letter-queue", "Every work queue redrives to a dead-letter queue with maxReceiveCount.",
         "stack", queue_has_dead_letter_queue),
    Rule("queue-denies-insecure-transport", "Every queue has a policy denying non-TLS requests.",
         "stack", queue_denies_insecure_transport),
    Rule("sqs-scoped-to-stack-queues", "Every SQS statement names only queues of this stack.",
         "stack", sqs_statements_scoped_to_stack_queues),
    Rule("task-roles-least-privilege",
         "api: SendMessage + GetQueueAttributes, PutObject on exports/*; worker: Receive, Delete, ChangeVisibility, "
         "GetAttributes, Send, GetObject + DeleteObject on exports/*.",
         "stack", task_roles_least_privilege),
    Rule("buckets-private-encrypted-tls-only",
         "Every bucket blocks public access, disables ACLs, is encrypted, denies non-TLS requests and expires uploads.",
         "stack", buckets_private_encrypted_tls_only),
    Rule("environment-parity", "Every container of both task definitions has the same image, environment and secrets.",
         "stack", environment_parity),
)


def check_all(resources: Sequence[Resource]) -> dict[str, list[str]]:
    """Run every rule; rule name -> violations (only rules with violations)."""
    out: dict[str, list[str]] = {}
    for rule in RULES:
        found: list[str] = []
        if rule.scope == "stack":
            found = rule.check(resources)
        else:
            for r in resources:
                if not rule.types or r.type in rule.types:
                    found += rule.check(r)
        if found:
            out[rule.name] = found
    return out
