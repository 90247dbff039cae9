"""rehearsal.trust: only service principals change, everything else is kept."""

import json

from rehearsal.trust import adapt_trust_policy

LOCAL = "arn:aws:iam::123456789012:user/rehearsal"
TASK_TRUST = {
    "Version": "2012-10-17",
    "Statement": [{
        "Sid": "EcsTasksAssume", "Effect": "Allow", "Principal": {"Service": "ecs-tasks.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": "123456789012"}},
    }],
}


def test_the_ecs_service_principal_is_replaced_by_the_local_user():
    adaptation = adapt_trust_policy("role", json.dumps(TASK_TRUST), LOCAL)
    (statement,) = adaptation.adapted["Statement"]
    assert statement["Principal"] == {"AWS": LOCAL}
    assert adaptation.replaced_principals == ("ecs-tasks.amazonaws.com",)


def test_actions_conditions_and_ids_are_kept():
    (statement,) = adapt_trust_policy("role", TASK_TRUST, LOCAL).adapted["Statement"]
    assert statement["Action"] == "sts:AssumeRole"
    assert statement["Condition"] == {"StringEquals": {"aws:SourceAccount": "123456789012"}}
    assert statement["Sid"] == "EcsTasksAssume"


def test_a_policy_trusting_an_account_principal_is_unchanged():
    document = {"Version": "2012-10-17", "Statement": [
        {"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"}, "Action": "sts:AssumeRole"}]}
    adaptation = adapt_trust_policy("role", document, LOCAL)
    assert adaptation.adapted == document
    assert adaptation.replaced_principals == ()


def test_the_sentence_names_role_principal_and_service():
    adaptation = adapt_trust_policy("healthkit-dev-api-task-1", TASK_TRUST, LOCAL)
    assert adaptation.sentence(LOCAL) == (
        f"healthkit-dev-api-task-1: trusts {LOCAL} instead of ecs-tasks.amazonaws.com")
