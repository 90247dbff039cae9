"""The CI roles are sufficient for both stacks, proven from data by a real IAM policy evaluator.

Actions from pike's Terraform mappings (proof/ci_permissions/pike), resource ARNs and condition
keys from the IAM dataset, decisions from @cloud-copilot/iam-simulate (Node; installed by
./scripts/test). Every (action, resource, context) of every resource type, in every variant the
settings allow, for the deploy role (pulumi up) and the preview role (pulumi preview --refresh).
"""

from __future__ import annotations

import json

import pytest

from infra import invariants as inv
from proof.ci_permissions import sufficiency as S
from proof.ci_permissions.evaluate import PolicySet, evaluate
from proof.ci_permissions.requests import Request
from proof.ci_permissions.terraform import NO_AWS_CALLS, RESOURCE_TYPES
from proof.mockrun import run_stack

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

#: Terraform types both stacks' variants create (awsx's VPC and image expanded).
STACK_TERRAFORM_TYPES = {
    "aws_appautoscaling_policy", "aws_appautoscaling_target", "aws_cloudwatch_dashboard", "aws_cloudwatch_log_group",
    "aws_cloudwatch_metric_alarm", "aws_db_instance", "aws_db_parameter_group", "aws_db_subnet_group",
    "aws_ecr_lifecycle_policy", "aws_ecr_repository", "aws_ecs_cluster", "aws_ecs_cluster_capacity_providers",
    "aws_ecs_service", "aws_ecs_task_definition", "aws_iam_role", "aws_iam_role_policy", "aws_lb", "aws_lb_listener",
    "aws_lb_listener_rule",    "aws_lb_target_group", "aws_secretsmanager_secret", "aws_secretsmanager_secret_version", "aws_security_group",
    "aws_sns_topic", "aws_sns_topic_subscription", "aws_sqs_queue", "aws_sqs_queue_policy",
    "aws_sqs_queue_redrive_allow_policy", "aws_vpc_security_group_egress_rule", "aws_vpc_security_group_ingress_rule",
    "aws_vpc", "aws_subnet", "aws_route_table", "aws_route_table_association", "aws_route", "aws_internet_gateway",
    "aws_nat_gateway", "aws_eip", "aws_ecr_authorization_token", "docker_push", "aws_ecr_image",
    # the exports bucket (infra/exports_bucket.py)
    "aws_s3_bucket", "aws_s3_bucket_ownership_controls", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_lifecycle_configuration",
}
BOOTSTRAP_TERRAFORM_TYPES = {
    "aws_iam_openid_connect_provider", "aws_iam_policy", "aws_iam_role", "aws_iam_role_policy",
    "aws_iam_role_policy_attachment", "aws_kms_alias", "aws_kms_key", "aws_s3_bucket",
    "aws_s3_bucket_ownership_controls", "aws_s3_bucket_policy", "aws_s3_bucket_public_access_block",
    "aws_s3_bucket_server_side_encryption_configuration", "aws_s3_bucket_versioning",
    "aws_caller_identity", "aws_partition", "aws_region",
}


@pytest.fixture(scope="module")
def runs():
    return S.stack_runs()


@pytest.fixture(scope="module")
def report(runs):
    return S.stack_sufficiency(runs)


def _allowed(report, role: str, action: str, resource_part: str = "", context: dict | None = None) -> bool:
    return any(d.allowed and d.policy_set == role and d.request.action == action and resource_part in d.request.resource
               and all(d.request.context.get(k) == v for k, v in (context or {}).items()) for d in report.decisions)


def test_every_resource_type_of_every_variant_is_mapped_to_terraform_and_bound_to_arns(report):
    assert report.problems == []
    unmapped = report.pulumi_types - set(RESOURCE_TYPES) - {"awsx:ec2:Vpc", "awsx:ecr:Image"} - set(NO_AWS_CALLS)
    assert unmapped == set()
    assert report.terraform_types == STACK_TERRAFORM_TYPES


def test_the_deploy_role_and_the_preview_role_are_denied_nothing_in_any_variant(report):
    assert report.denials == [], "\n".join(report.denials)
    assert report.evaluated("deploy role") > 2000 and report.evaluated("preview role") > 500


def test_the_calls_the_review_found_denied_are_evaluated_and_now_allowed(report):
    assert _allowed(report, "deploy role", "elasticloadbalancing:DescribeListenerAttributes")
    assert _allowed(report, "deploy role", "rds:CreateDBInstance", ":og:default:postgres-16")
    assert _allowed(report, "deploy role", "rds:ModifyDBInstance", ":og:default:postgres-16")
    assert _allowed(report, "deploy role", "ec2:CreateTags", ":security-group-rule/",
                    {"ec2:CreateAction": "AuthorizeSecurityGroupIngress", "aws:RequestTag/Project": "healthkit"})
    assert _allowed(report, "preview role", "secretsmanager:GetSecretValue", "/django-secret-key-")
    assert _allowed(report, "deploy role", "iam:CreateRole", ":role/healthkit-",
                    {"iam:PermissionsBoundary": S.workload_boundary_arn()})


def _without(action: str):
    def edit(documents: dict[str, dict]) -> None:
        for document in documents.values():
            for statement in document["Statement"]:
                if action in statement["Action"]:
                    statement["Action"] = [a for a in statement["Action"] if a != action]
    return edit


@pytest.mark.parametrize("action", ["elasticloadbalancing:DescribeListenerAttributes", "ecs:RegisterTaskDefinition"])
def test_removing_one_action_from_the_deploy_role_fails_the_proof_naming_it(runs, action):
    result = S.stack_sufficiency(runs[:1], deploy=S.deploy_role(edit=_without(action)))
    assert result.denials
    assert all(f"deploy role: ImplicitlyDenied {action} on " in d for d in result.denials), result.denials


def test_without_the_boundary_setting_ci_may_neither_create_nor_change_the_stacks_roles():
    run = run_stack("dev", {"rolePermissionsBoundary": ""})
    result = S.stack_sufficiency([("dev without a boundary", run)])
    denied = {d.request.action for d in result.decisions if not d.allowed}
    assert {"iam:CreateRole", "iam:PutRolePolicy"} <= denied


def _task_role_calls(run) -> dict[str, list[Request]]:
    """What ECS (execution role) and the app (task roles) call, on this run's ARNs."""
    queue = run.one("aws:sqs/queue:Queue", "queue-queue").outputs["arn"]
    database_secret = run.environment("api")["DB_SECRET_ARN"]
    django_key = run.one("aws:secretsmanager/secret:Secret").outputs["arn"]
    repository = run.one("aws:ecr/repository:Repository").outputs["arn"]
    stream = run.one("aws:cloudwatch/logGroup:LogGroup").outputs["arn"] + ":log-stream:healthkit/api/1"

    def calls(pairs):
        return [Request("task", action, resource, {}, "runtime") for action, resource in pairs]
    return {
        "api-task": calls([*((a, queue) for a in inv.API_QUEUE_ACTIONS), ("secretsmanager:GetSecretValue", database_secret)]),
        "worker-task": calls([*((a, queue) for a in inv.WORKER_QUEUE_ACTIONS),
                              ("secretsmanager:GetSecretValue", database_secret)]),
        "execution": calls([("ecr:GetAuthorizationToken", "*"), ("ecr:BatchGetImage", repository),
                            ("ecr:GetDownloadUrlForLayer", repository), ("logs:CreateLogStream", stream),
                            ("logs:PutLogEvents", stream), ("secretsmanager:GetSecretValue", django_key)]),
    }


def _role_decisions(run, role: str, requests: list[Request]):
    inline = json.loads(run.one("aws:iam/rolePolicy:RolePolicy", f"iam-{role}-policy").inputs["policy"])
    boundary = S._policies().workload_boundary_policy(S._scope("healthkit"))
    policy_set = PolicySet(role, f"arn:aws:iam::{S.ACCOUNT}:role/healthkit-{role}", S.ACCOUNT,
                           ({"name": "inline", "policy": inline},), ({"name": "boundary", "policy": boundary},))
    return evaluate(requests, policy_set)


def test_the_workload_boundary_leaves_every_task_role_what_ecs_and_the_app_call(runs):
    for label, run in runs:
        for role, requests in _task_role_calls(run).items():
            denied = [d.sentence() for d in _role_decisions(run, role, requests) if not d.allowed]
            assert denied == [], (label, denied)


def test_the_boundary_refuses_an_existing_database_secret_outside_the_projects_names():
    run = run_stack("dev", {**S._EXISTING_VPC, "database": "existing", "dbHost": "db.internal",
                            "dbSecretArn": "arn:aws:secretsmanager:us-east-1:123456789012:secret:shared-db-AbCdEf"})
    decisions = _role_decisions(run, "api-task", _task_role_calls(run)["api-task"])
    assert [d.request.action for d in decisions if not d.allowed] == ["secretsmanager:GetSecretValue"]


def test_the_preview_role_still_reads_no_database_password(runs):
    _, dev = runs[0]
    managed = dev.one("aws:rds/instance:Instance").outputs["masterUserSecrets"][0]["secretArn"]
    (decision,) = evaluate([Request("rds secret", "secretsmanager:GetSecretValue", managed, {}, "refresh")],
                           S.preview_role())
    assert decision.result == "ExplicitlyDenied"


def test_an_administrator_may_bootstrap_and_the_deploy_role_may_change_none_of_it():
    admin, deploy = S.bootstrap_sufficiency()
    assert admin.problems == [] and admin.denials == [], admin.denials
    assert admin.terraform_types == BOOTSTRAP_TERRAFORM_TYPES
    assert len(deploy.decisions) > 30
    assert [d.sentence() for d in deploy.decisions if d.allowed] == []


def test_the_deploy_role_may_make_the_deployment_checks_calls():
    ecs = f"arn:aws:ecs:us-east-1:{S.ACCOUNT}"
    calls = [("ecs:DescribeServices", f"{ecs}:service/healthkit-dev/worker"),
             ("ecs:DescribeTaskDefinition", "*"),
             ("ecs:ListTasks", f"{ecs}:container-instance/healthkit-dev/0123456789abcdef"),
             ("ecs:DescribeTasks", f"{ecs}:task/healthkit-dev/0123456789abcdef0123456789abcdef")]
    decisions = evaluate([Request("scripts/deployment-check", a, r, {}, "check") for a, r in calls], S.deploy_role())
    assert [d.sentence() for d in decisions if not d.allowed] == []
