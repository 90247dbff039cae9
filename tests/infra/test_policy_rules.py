"""policy/: DESIGN.md's invariants as rules, called directly on the recorded stacks."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest
from pulumi_policy import (
    EnforcementLevel,
    PolicyResource,
    PolicyResourceOptions,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidationArgs,
)
from pulumi_policy.proxy import UNKNOWN_STRING_VALUE, unknown_checking_proxy

from policy.pack import build_policies
from policy.resources import Resource, resources_from_records
from policy.rules import RULES, check_all

REPO = Path(__file__).resolve().parents[2]


def view(run) -> list[Resource]:
    return resources_from_records(run.resources)


def replace(resources: list[Resource], name: str, **props) -> list[Resource]:
    """The resources with one resource's properties changed (None deletes a property)."""
    out = []
    for r in resources:
        if r.name == name:
            merged = {**r.props, **props}
            r = dataclasses.replace(r, props={k: v for k, v in merged.items() if v is not None})
        out.append(r)
    return out


def edit_containers(resources, service: str, edit) -> list[Resource]:
    task = next(r for r in resources if r.name == f"{service}-task")
    definitions = json.loads(task.props["containerDefinitions"])
    edit(definitions)
    return replace(resources, task.name, containerDefinitions=json.dumps(definitions))


def edit_policy(resources, name: str, edit) -> list[Resource]:
    policy = next(r for r in resources if r.name == name)
    document = json.loads(policy.props["policy"])
    edit(document)
    return replace(resources, name, policy=json.dumps(document))


@pytest.fixture(scope="module")
def dev_view(dev):
    return view(dev)


def test_both_stacks_satisfy_every_rule(all_runs):
    for run in all_runs:
        assert check_all(view(run)) == {}, run.stack


def test_queue_visibility_below_time_limit_plus_margin_is_caught(dev_view):
    found = check_all(replace(dev_view, "queue-queue", visibilityTimeoutSeconds=300))

    assert list(found) == ["queue-visibility-covers-time-limit"]


def test_queue_without_long_polling_is_caught(dev_view):
    assert "queue-long-polling" in check_all(replace(dev_view, "queue-queue", receiveWaitTimeSeconds=5))


def test_queue_without_dead_letter_queue_is_caught(dev_view):
    assert "queue-has-dead-letter-queue" in check_all(replace(dev_view, "queue-queue", redrivePolicy=None))


def test_unencrypted_queue_is_caught(dev_view):
    assert "queue-encrypted" in check_all(replace(dev_view, "queue-dlq", sqsManagedSseEnabled=False))


def test_queue_without_a_tls_only_policy_is_caught(dev_view):
    without = [r for r in dev_view if r.name != "queue-queue-policy"]

    assert check_all(without)["queue-denies-insecure-transport"][0].startswith("queue queue-queue")


def test_wildcard_action_is_caught(dev_view):
    def widen(doc):
        doc["Statement"][0]["Action"] = ["sqs:*"]

    found = check_all(edit_policy(dev_view, "iam-worker-task-policy", widen))
    assert "iam-no-wildcard-actions" in found


def test_resource_star_beyond_get_authorization_token_is_caught(dev_view):
    def widen(doc):
        doc["Statement"][0]["Resource"] = "*"

    assert "iam-star-resource-only-where-required" in check_all(edit_policy(dev_view, "iam-api-task-policy", widen))


def test_sqs_statement_on_another_queue_is_caught(dev_view):
    def elsewhere(doc):
        doc["Statement"][0]["Resource"] = ["arn:aws:sqs:us-east-1:123456789012:someone-elses-queue"]

    assert "sqs-scoped-to-stack-queues" in check_all(edit_policy(dev_view, "iam-api-task-policy", elsewhere))


def test_api_role_able_to_receive_is_caught(dev_view):
    def receive(doc):
        doc["Statement"][0]["Action"].append("sqs:ReceiveMessage")

    found = check_all(edit_policy(dev_view, "iam-api-task-policy", receive))
    assert "task-roles-least-privilege" in found and "sqs:ReceiveMessage" in found["task-roles-least-privilege"][0]


def test_worker_role_able_to_purge_is_caught(dev_view):
    def purge(doc):
        doc["Statement"][0]["Action"].append("sqs:PurgeQueue")

    found = check_all(edit_policy(dev_view, "iam-worker-task-policy", purge))
    assert {"iam-no-queue-management", "task-roles-least-privilege"} <= set(found)


def test_secret_in_plain_environment_is_caught(dev_view):
    def leak(definitions):
        definitions[0]["environment"].append({"name": "DB_PASSWORD", "value": "hunter2"})

    assert "secrets-never-plain-environment" in check_all(edit_containers(dev_view, "worker", leak))


def test_worker_with_a_port_or_short_stop_timeout_is_caught(dev_view):
    def break_worker(definitions):
        definitions[0]["portMappings"] = [{"containerPort": 8000}]
        definitions[0]["stopTimeout"] = 30

    (messages,) = check_all(edit_containers(dev_view, "worker", break_worker)).values()
    assert any("stopTimeout is 30" in m for m in messages) and any("must not map ports" in m for m in messages)


def test_worker_with_celery_inspect_ping_health_check_is_caught(dev_view):
    def ping(definitions):
        definitions[0]["healthCheck"]["command"] = ["CMD", "celery", "-A", "backend", "inspect", "ping"]

    assert "worker-container-contract" in check_all(edit_containers(dev_view, "worker", ping))


def test_api_without_migrate_dependency_is_caught(dev_view):
    def no_wait(definitions):
        definitions[1].pop("dependsOn")

    assert "api-migrates-before-serving" in check_all(edit_containers(dev_view, "api", no_wait))


def test_environment_drift_between_task_definitions_is_caught(dev_view):
    def drift(definitions):
        definitions[0]["environment"][0]["value"] += "-changed"

    assert "environment-parity" in check_all(edit_containers(dev_view, "worker", drift))


def test_unprotected_stateful_resource_in_prod_is_caught(prod):
    resources = [dataclasses.replace(r, protect=False) if r.name == "queue-dlq" else r for r in view(prod)]

    assert check_all(resources) == {
        "prod-stateful-resources-protected": ["queue-dlq (aws:sqs/queue:Queue) is stateful and must be protected in prod"]}


def test_worker_scaling_to_zero_is_caught(dev_view):
    assert "service-never-scales-to-zero" in check_all(replace(dev_view, "worker-scaling-target", minCapacity=0))


def test_pack_wraps_every_rule_as_a_mandatory_policy():
    policies = build_policies()

    assert [p.name for p in policies] == [r.name for r in RULES]
    assert all(p.enforcement_level == EnforcementLevel.MANDATORY for p in policies)


def _options(protect: bool) -> PolicyResourceOptions:
    return PolicyResourceOptions(protect=protect, ignore_changes=[], delete_before_replace=None, aliases=[],
                                 custom_timeouts=None, additional_secret_outputs=[])


def test_a_resource_policy_reports_through_pulumi_policy(dev):
    queue = dev.one("aws:sqs/queue:Queue", "queue-queue")
    props = unknown_checking_proxy({**queue.inputs, "receiveWaitTimeSeconds": 0})  # as the analyzer passes them
    args = ResourceValidationArgs(queue.type, props, queue.urn, queue.name, _options(False), None)
    policy = next(p for p in build_policies() if p.name == "queue-long-polling")
    reported = []

    assert isinstance(policy, ResourceValidationPolicy)
    policy.validate(args, lambda message, urn=None: reported.append((message, urn)))
    assert reported == [("queue queue-queue: receiveWaitTimeSeconds is 0, must be 20 (long polling)", queue.urn)]


def stack_policies_report(resources) -> list[str]:
    reported = []
    for policy in build_policies():
        if not isinstance(policy, ResourceValidationPolicy):
            policy.validate(StackValidationArgs(resources), lambda message, urn=None: reported.append(message))
    return reported


def test_stack_policies_see_through_the_analyzers_read_only_proxies(dev):
    def proxied(r, **changes):
        return PolicyResource(r.type, unknown_checking_proxy({**r.outputs, **changes}), r.urn, r.name,
                              _options(r.protect), None, None, [], {})

    resources = [proxied(r, visibilityTimeoutSeconds=30) if r.name == "queue-queue" else proxied(r)
                 for r in dev.resources if r.custom]

    assert [m for m in stack_policies_report(resources) if "visibilityTimeoutSeconds 30" in m]


def test_a_value_unknown_during_preview_makes_the_check_wait_instead_of_pass_or_fail(dev):
    from pulumi_policy.proxy import UnknownValueError

    queue = dev.one("aws:sqs/queue:Queue", "queue-queue")
    props = unknown_checking_proxy({**queue.inputs, "receiveWaitTimeSeconds": UNKNOWN_STRING_VALUE})
    policy = next(p for p in build_policies() if p.name == "queue-long-polling")

    with pytest.raises(UnknownValueError):
        policy.validate(ResourceValidationArgs(queue.type, props, queue.urn, queue.name, _options(False), None),
                        lambda *a: None)


def test_a_stack_policy_passes_on_the_recorded_stack(dev):
    resources = [PolicyResource(r.type, unknown_checking_proxy(r.outputs), r.urn, r.name, _options(r.protect),
                                None, None, [], {})
                 for r in dev.resources if r.custom]

    assert stack_policies_report(resources) == []


def test_policy_pack_is_created_only_in_its_entry_point():
    creators = [p.name for p in (REPO / "policy").glob("*.py") if "PolicyPack(" in p.read_text()]

    assert creators == ["__main__.py"]
