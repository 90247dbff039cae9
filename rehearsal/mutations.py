"""Fault injection: edits of a recorded stack before the rehearsal deploys it.

For tests (``rehearse(stack, mutate=...)``), each helper returns a function that changes one
thing in the :class:`~proof.mockrun.StackRun` in place, the way a bug in the program would:

    rehearse("dev", mutate=container_variable_remove("worker", "DB_NAME"))
    rehearse("dev", mutate=task_role_action_remove("api", "sqs:SendMessage"))
    rehearse("dev", mutate=all_of(container_variable_set("worker", "CELERY_APPLE_HEALTH_QUEUE_URL", url), ...))
"""

from __future__ import annotations

import json
from collections.abc import Callable

from proof.mockrun import RecordedResource, StackRun

Mutation = Callable[[StackRun], None]


def _edit_containers(run: StackRun, service: str, edit: Callable[[dict], None], container: str | None) -> None:
    task = run.task_definition(service)
    definitions = json.loads(task.inputs["containerDefinitions"])
    for definition in definitions:
        if container is None or definition["name"] == container:
            edit(definition)
    task.inputs["containerDefinitions"] = json.dumps(definitions)


def container_variable_remove(service: str, variable: str, container: str | None = None) -> Mutation:
    """Drop ``variable`` from the environment of the service's containers (or of one)."""
    def mutate(run: StackRun) -> None:
        def edit(definition: dict) -> None:
            definition["environment"] = [e for e in definition["environment"] if e["name"] != variable]
        _edit_containers(run, service, edit, container)
    return mutate


def container_variable_set(service: str, variable: str, value: str | Callable[[StackRun], str],
                           container: str | None = None) -> Mutation:
    """Set ``variable`` (a value, or a function of the run, e.g. to pick another resource's URL)."""
    def mutate(run: StackRun) -> None:
        resolved = value(run) if callable(value) else value

        def edit(definition: dict) -> None:
            others = [e for e in definition["environment"] if e["name"] != variable]
            definition["environment"] = sorted([*others, {"name": variable, "value": resolved}],
                                               key=lambda e: e["name"])
        _edit_containers(run, service, edit, container)
    return mutate


def task_role_policies(run: StackRun, service: str) -> list[RecordedResource]:
    """The inline policies of the service's task role."""
    role_arn = run.task_definition(service).inputs["taskRoleArn"]
    role = next(r for r in run.of_type("aws:iam/role:Role") if r.outputs.get("arn") == role_arn)
    return [p for p in run.of_type("aws:iam/rolePolicy:RolePolicy") if p.inputs.get("role") == role.outputs["name"]]


def task_role_action_remove(service: str, action: str) -> Mutation:
    """Remove ``action`` from every statement of the service's task role policies."""
    def mutate(run: StackRun) -> None:
        for policy in task_role_policies(run, service):
            document = json.loads(policy.inputs["policy"])
            statements = []
            for statement in document["Statement"]:
                actions = statement["Action"] if isinstance(statement["Action"], list) else [statement["Action"]]
                kept = [a for a in actions if a != action]
                if kept:
                    statements.append({**statement, "Action": kept})
            policy.inputs["policy"] = json.dumps({**document, "Statement": statements})
    return mutate


def dead_letter_queue_url(run: StackRun) -> str:
    """The URL of the stack's dead-letter queue (the queue without a redrive policy)."""
    return next(q.outputs["url"] for q in run.of_type("aws:sqs/queue:Queue") if not q.inputs.get("redrivePolicy"))


def all_of(*mutations: Mutation) -> Mutation:
    def mutate(run: StackRun) -> None:
        for mutation in mutations:
            mutation(run)
    return mutate
