"""infra/iam.py and infra/policies.py: every policy document the stacks create, least privilege."""

from __future__ import annotations

import json
import warnings

import pytest

from infra import invariants as inv
from infra import policies
from policy.resources import iam_documents, resources_from_records, statements

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # parliament imports pkg_resources
    from parliament import analyze_policy_string

#: Parliament lints identity and resource policies; a role's trust policy has no Resource
#: element by design, which is the one finding it reports for every trust policy.
TRUST_POLICY_FINDING = ("MALFORMED", "Statement contains neither Resource nor NotResource")


def documents(runs):
    for run in runs:
        for resource, kind, document in iam_documents(resources_from_records(run.resources)):
            yield run, resource, kind, json.loads(document)


def role_document(run, role: str) -> dict:
    policy = run.one("aws:iam/rolePolicy:RolePolicy", f"iam-{role}-policy")
    return json.loads(policy.inputs["policy"])


def actions(document: dict) -> set[str]:
    return {a for s in statements(document) for a in (s["Action"] if isinstance(s["Action"], list) else [s["Action"]])}


def test_the_stacks_create_trust_permission_and_queue_policies(all_runs):
    kinds = {}
    for _, _, kind, _ in documents(all_runs[:1]):
        kinds[kind] = kinds.get(kind, 0) + 1

    assert kinds == {"trust": 3, "permissions": 3, "resource": 3}  # 2 queue policies, the exports bucket's


def test_every_policy_document_passes_parliament(all_runs):
    findings = []
    for run, resource, kind, document in documents(all_runs):
        policy = analyze_policy_string(json.dumps(document))
        for f in policy.findings:
            if kind == "trust" and (f.issue, f.detail) == TRUST_POLICY_FINDING:
                continue
            findings.append((run.stack, resource.name, f.issue, f.detail))

    assert findings == []


def test_no_allow_statement_grants_a_wildcard_action(all_runs):
    for _, resource, _, document in documents(all_runs):
        for s in statements(document):
            if s["Effect"] == "Allow":
                assert "NotAction" not in s
                assert not any("*" in a for a in actions({"Statement": [s]})), resource.name


def test_resource_star_appears_only_for_ecr_get_authorization_token(all_runs):
    for _, resource, kind, document in documents(all_runs):
        for s in statements(document):
            if kind == "permissions" and s.get("Resource") == "*":
                assert s["Action"] == list(inv.STAR_RESOURCE_ACTIONS), resource.name


def test_every_sqs_statement_is_scoped_to_the_stacks_queue_arns(all_runs):
    for run in all_runs:
        queue_arns = {q.outputs["arn"] for q in run.of_type("aws:sqs/queue:Queue")}
        for _, resource, _, document in documents([run]):
            for s in statements(document):
                if any(a.startswith("sqs:") for a in actions({"Statement": [s]})):
                    resources = s["Resource"] if isinstance(s["Resource"], list) else [s["Resource"]]
                    assert set(resources) <= queue_arns, resource.name


def test_api_task_role_may_only_send_read_attributes_read_the_database_secret_and_put_exports(stacks):
    for run in stacks:
        granted = actions(role_document(run, "api-task"))
        assert granted == {"sqs:SendMessage", "sqs:GetQueueAttributes", "secretsmanager:GetSecretValue", "s3:PutObject"}
        assert not granted & {"sqs:ReceiveMessage", "sqs:DeleteMessage", "s3:GetObject", "s3:ListBucket"}


def test_worker_task_role_consumes_but_cannot_purge_or_delete_the_queue(stacks):
    for run in stacks:
        granted = actions(role_document(run, "worker-task"))
        assert granted == set(inv.WORKER_QUEUE_ACTIONS) | set(inv.DATABASE_SECRET_ACTIONS) | set(inv.WORKER_EXPORT_ACTIONS)
        assert not granted & {"sqs:PurgeQueue", "sqs:DeleteQueue", "sqs:CreateQueue", "sqs:ListQueues",
                              "s3:PutObject", "s3:ListBucket"}


def test_task_roles_target_only_the_main_queue_the_database_secret_and_the_exports_prefix(all_runs):
    for run in all_runs:
        queue = run.one("aws:sqs/queue:Queue", "queue-queue").outputs["arn"]
        database_secret = run.environment("worker")["DB_SECRET_ARN"]
        exports = run.one("aws:s3/bucket:Bucket", "exports-bucket").outputs["arn"] + "/exports/*"
        for role in ("api-task", "worker-task"):
            assert [s["Resource"] for s in statements(role_document(run, role))] == [[queue], [database_secret], [exports]]


def test_the_database_secret_of_an_existing_database_is_the_one_the_task_roles_read(dev_existing):
    arn = dev_existing.settings.db_secret_arn
    assert dev_existing.environment("api")["DB_SECRET_ARN"] == arn
    for role in ("api-task", "worker-task"):
        assert statements(role_document(dev_existing, role))[1]["Resource"] == [arn]


def test_execution_role_pulls_from_this_repository_logs_to_this_group_reads_the_django_key(dev):
    doc = {s["Sid"]: s for s in statements(role_document(dev, "execution"))}
    repository = dev.one("aws:ecr/repository:Repository").outputs["arn"]
    log_group = dev.one("aws:cloudwatch/logGroup:LogGroup").outputs["arn"]
    secrets = {dev.one("aws:secretsmanager/secret:Secret").outputs["arn"]}

    assert doc["PullFromRepository"]["Resource"] == [repository]
    assert doc["WriteLogs"]["Resource"] == [f"{log_group}:log-stream:*"]
    assert set(doc["ReadSecrets"]["Resource"]) == secrets
    assert doc["EcrAuthToken"]["Action"] == ["ecr:GetAuthorizationToken"]


def test_task_definitions_use_the_matching_roles(dev):
    roles = {r.name: r.outputs["arn"] for r in dev.of_type("aws:iam/role:Role")}

    for service in ("api", "worker"):
        task = dev.task_definition(service).inputs
        assert task["taskRoleArn"] == roles[f"iam-{service}-task"]
        assert task["executionRoleArn"] == roles["iam-execution"]


def test_task_roles_trust_only_ecs_tasks_of_this_account(dev):
    for role in ("iam-api-task", "iam-worker-task"):
        (s,) = statements(dev.one("aws:iam/role:Role", role).inputs["assumeRolePolicy"])
        assert s["Principal"] == {"Service": "ecs-tasks.amazonaws.com"} and s["Action"] == "sts:AssumeRole"
        assert s["Condition"]["StringEquals"] == {"aws:SourceAccount": "123456789012"}
        assert s["Condition"]["ArnLike"] == {"aws:SourceArn": "arn:aws:ecs:us-east-1:123456789012:*"}


def test_queue_policies_deny_every_request_without_tls(dev):
    for policy in dev.of_type("aws:sqs/queuePolicy:QueuePolicy"):
        (s,) = statements(policy.inputs["policy"])
        assert (s["Effect"], s["Action"], s["Condition"]) == ("Deny", "sqs:*", {"Bool": {"aws:SecureTransport": "false"}})


@pytest.mark.parametrize("document", [
    policies.api_task_policy(queue_arn="arn:aws:sqs:eu-west-1:111122223333:q",
                             database_secret_arn="arn:aws:secretsmanager:eu-west-1:111122223333:secret:rds!db-1-AbCdEf",
                             exports_bucket_arn="arn:aws:s3:::healthkit-dev-exports-1"),
    policies.worker_task_policy(queue_arn="arn:aws:sqs:eu-west-1:111122223333:q",
                                database_secret_arn="arn:aws:secretsmanager:eu-west-1:111122223333:secret:db-AbCdEf",
                                exports_bucket_arn="arn:aws:s3:::healthkit-dev-exports-1"),
    policies.execution_role_policy(
        repository_arn="arn:aws:ecr:eu-west-1:111122223333:repository/r",
        log_group_arns=["arn:aws:logs:eu-west-1:111122223333:log-group:/ecs/x"],
        secret_arns=["arn:aws:secretsmanager:eu-west-1:111122223333:secret:s-AbCdEf"]),
], ids=["api", "worker", "execution"])
def test_policy_builders_are_pure_and_parliament_clean(document):
    assert analyze_policy_string(json.dumps(document)).findings == []


def test_log_stream_arn_accepts_arns_with_or_without_the_star_suffix():
    arn = "arn:aws:logs:us-east-1:1:log-group:/ecs/x"

    assert policies.log_streams_arn(arn) == policies.log_streams_arn(arn + ":*") == f"{arn}:log-stream:*"


def test_roles_are_named_after_the_stack_so_name_scoped_deploy_policies_match(prod):
    for role in prod.of_type("aws:iam/role:Role"):
        assert role.inputs["namePrefix"].startswith("healthkit-prod-")
        assert len(role.inputs["namePrefix"]) <= 38


def test_both_stack_files_put_the_bootstraps_workload_boundary_on_every_role(stacks):
    for run in stacks:
        assert {r.inputs["permissionsBoundary"] for r in run.of_type("aws:iam/role:Role")} == {
            "arn:aws:iam::123456789012:policy/ci-healthkit-workload-boundary"}


def test_no_role_carries_a_permissions_boundary_when_the_setting_is_empty():
    from proof.mockrun import run_stack

    run = run_stack("dev", {"rolePermissionsBoundary": ""})
    assert not any("permissionsBoundary" in r.inputs for r in run.of_type("aws:iam/role:Role"))


def test_a_configured_boundary_name_is_set_on_every_role_in_the_stacks_account():
    from proof.mockrun import run_stack

    run = run_stack("dev", {"rolePermissionsBoundary": "ci-healthkit-workload-boundary"})

    assert {r.inputs["permissionsBoundary"] for r in run.of_type("aws:iam/role:Role")} == {
        "arn:aws:iam::123456789012:policy/ci-healthkit-workload-boundary"}
