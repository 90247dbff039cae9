"""rehearsal.deploy: every recorded type is translated, stood in for, or explained."""

import pytest

from proof.mockrun import run_stack
from rehearsal.deploy import NOT_EMULATED, STAND_INS, TRANSLATIONS, _creation_order
from rehearsal.mutations import (
    container_variable_remove,
    container_variable_set,
    dead_letter_queue_url,
    task_role_action_remove,
    task_role_policies,
)


@pytest.fixture(scope="module")
def runs():
    return {stack: run_stack(stack) for stack in ("dev", "prod")}


def test_every_provider_type_of_both_stacks_is_known(runs):
    known = set(TRANSLATIONS) | set(NOT_EMULATED) | set(STAND_INS)
    for run in runs.values():
        types = {r.type for r in run.resources if r.custom or r.remote}
        assert types - known == set()


def test_the_dead_letter_queue_is_created_before_the_queue_that_redrives_to_it(runs):
    queues = [r for r in _creation_order(runs["dev"].resources) if r.type == "aws:sqs/queue:Queue"]
    assert [bool(q.inputs.get("redrivePolicy")) for q in queues] == [False, True]


def test_roles_come_before_their_policies_and_task_definitions_after_both(runs):
    order = [r.type for r in _creation_order(runs["dev"].resources)]
    assert order.index("aws:iam/role:Role") < order.index("aws:iam/rolePolicy:RolePolicy")
    assert order.index("aws:secretsmanager/secret:Secret") < order.index("aws:ecs/taskDefinition:TaskDefinition")


def test_mutations_change_only_what_they_name():
    run = run_stack("dev")
    before_api = run.environment("api")
    container_variable_remove("worker", "DB_NAME")(run)
    container_variable_set("worker", "CELERY_APPLE_HEALTH_QUEUE_URL", dead_letter_queue_url)(run)
    task_role_action_remove("api", "sqs:SendMessage")(run)
    assert "DB_NAME" not in run.environment("worker")
    assert run.environment("worker")["CELERY_APPLE_HEALTH_QUEUE_URL"].endswith("-dlq")
    assert run.environment("api") == before_api
    (policy,) = task_role_policies(run, "api")
    assert "sqs:SendMessage" not in policy.inputs["policy"] and "sqs:GetQueueAttributes" in policy.inputs["policy"]
