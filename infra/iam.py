"""IAM for the services: one execution role and one task role per service, least privilege.

Policy documents come from :mod:`infra.policies` (pure functions); this component only resolves
the ARNs and attaches them as inline policies, so every statement names ARNs of this stack.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import policies
from infra.args import check


@dataclass
class TaskRolesArgs:
    """Arguments of :class:`TaskRoles`."""

    account_id: pulumi.Input[str]
    """Account the tasks run in (trust policy conditions). Required."""

    region: str
    """Region the tasks run in (trust policy conditions). Required."""

    repository_arn: pulumi.Input[str]
    """The ECR repository the execution role may pull from. Required."""

    log_group_arns: Sequence[pulumi.Input[str]]
    """Log groups the execution role may write to. Required (>= 1)."""

    secret_arns: Sequence[pulumi.Input[str]]
    """Secrets the execution role may read (ECS ``secrets``: the Django key). Required (>= 1)."""

    queue_arn: pulumi.Input[str]
    """The import queue: the api may send to it, the worker may consume it. Required."""

    database_secret_arn: pulumi.Input[str]
    """The database secret both task roles may read (the app reads its credentials at connect
    time and after a rotation). Required."""

    exports_bucket_arn: pulumi.Input[str]
    """The exports bucket: the api may put objects under ``exports/`` (presigned uploads), the
    worker may get and delete them. Required."""
    permissions_boundary: pulumi.Input[str] | None = None
    """ARN of a permissions boundary policy set on all three roles. Default: none."""

    name_prefix: str = ""
    """Start of the role names (``<name_prefix>-<role>-<random>``, cut to IAM's 38-character
    prefix limit), so roles of different stacks are told apart in the account. Default: empty
    (Pulumi's autonames)."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on the roles. Default: none."""


class TaskRoles(pulumi.ComponentResource):
    """Execution role + api and worker task roles, each with one inline policy."""

    execution_role: aws.iam.Role
    api_task_role: aws.iam.Role
    worker_task_role: aws.iam.Role
    policies: list[aws.iam.RolePolicy]
    """The three inline policies: what depends on a role's permissions (task definitions, services)
    depends on these too, so no task starts before its role may pull, log and read secrets."""

    def __init__(self, name: str, args: TaskRolesArgs, opts: pulumi.ResourceOptions | None = None):
        check(bool(args.log_group_arns), "TaskRolesArgs", "log_group_arns", args.log_group_arns,
              "must name at least one log group", "pass the cluster's log group ARN")
        check(bool(args.secret_arns), "TaskRolesArgs", "secret_arns", args.secret_arns,
              "must name the secrets the containers read", "pass the Django and database secret ARNs")
        check(bool(args.region), "TaskRolesArgs", "region", args.region, "is required", "pass the stack region")
        super().__init__("healthkit:iam:TaskRoles", name, None, opts)
        child = pulumi.ResourceOptions(parent=self)

        def role(role_name: str, description: str, trust: pulumi.Input[str]) -> aws.iam.Role:
            # Keep the start (IAM patterns such as role/<prefix>-* match on it); IAM allows 38 characters.
            prefix = f"{args.name_prefix}-{role_name}-"[:38] if args.name_prefix else None
            return aws.iam.Role(
                f"{name}-{role_name}", name_prefix=prefix, assume_role_policy=trust, description=description,
                permissions_boundary=args.permissions_boundary, max_session_duration=3600, tags=args.tags,
                opts=child)

        task_trust = pulumi.Output.from_input(args.account_id).apply(
            lambda account: json.dumps(policies.ecs_tasks_trust_policy(account, args.region)))

        self.execution_role = role(
            "execution", "ECS task execution: pull the image, write logs, read the secrets",
            json.dumps(policies.ecs_tasks_trust_policy()))
        self.api_task_role = role("api-task", "api containers: enqueue imports, presign export uploads", task_trust)
        self.worker_task_role = role("worker-task", "worker containers: consume imports, read exports", task_trust)

        execution_doc = pulumi.Output.all(
            args.repository_arn, pulumi.Output.all(*args.log_group_arns), pulumi.Output.all(*args.secret_arns),
        ).apply(lambda v: json.dumps(policies.execution_role_policy(
            repository_arn=v[0], log_group_arns=v[1], secret_arns=v[2])))
        task_inputs = pulumi.Output.all(args.queue_arn, args.database_secret_arn, args.exports_bucket_arn)

        def task_doc(build) -> pulumi.Output[str]:
            return task_inputs.apply(lambda v: json.dumps(build(
                queue_arn=v[0], database_secret_arn=v[1], exports_bucket_arn=v[2])))

        self.policies = [
            aws.iam.RolePolicy(f"{name}-{role_name}-policy", role=target.id, policy=doc, opts=child)
            for role_name, target, doc in (
                ("execution", self.execution_role, execution_doc),
                ("api-task", self.api_task_role, task_doc(policies.api_task_policy)),
                ("worker-task", self.worker_task_role, task_doc(policies.worker_task_policy)),
            )
        ]

        self.register_outputs({
            "executionRoleArn": self.execution_role.arn,
            "apiTaskRoleArn": self.api_task_role.arn,
            "workerTaskRoleArn": self.worker_task_role.arn,
        })
