"""infra/queue.py: the Queue component on its own."""

from __future__ import annotations

import pytest

from infra.args import ComponentArgsError
from infra.queue import Queue, QueueArgs
from proof.mockrun import run_program


def test_visibility_timeout_defaults_to_time_limit_plus_60():
    run = run_program(lambda: Queue("jobs", QueueArgs(queue_name="jobs", task_time_limit_seconds=600)))

    assert run.one("aws:sqs/queue:Queue", "jobs-queue").inputs["visibilityTimeoutSeconds"] == 660


def test_visibility_timeout_below_time_limit_plus_margin_is_rejected_naming_the_argument():
    with pytest.raises(ComponentArgsError) as caught:
        Queue("jobs", QueueArgs(queue_name="jobs", task_time_limit_seconds=540, visibility_timeout_seconds=300))

    assert str(caught.value).startswith("QueueArgs.visibility_timeout_seconds (300) must be >= "
                                        "task_time_limit_seconds (540) + 60 = 600; fix:")


def test_max_receive_count_outside_sqs_limits_is_rejected():
    with pytest.raises(ComponentArgsError, match="max_receive_count"):
        Queue("jobs", QueueArgs(queue_name="jobs", task_time_limit_seconds=60, max_receive_count=0))


def test_children_are_parented_to_the_component_and_named_after_it():
    run = run_program(lambda: Queue("jobs", QueueArgs(queue_name="jobs", task_time_limit_seconds=60)))
    component = run.one("healthkit:queue:Queue")

    assert {r.name for r in run.children_of(component)} == {
        "jobs-queue", "jobs-dlq", "jobs-dlq-redrive-allow", "jobs-queue-policy", "jobs-dlq-policy"}


def test_protect_marks_both_queues_only():
    run = run_program(lambda: Queue("jobs", QueueArgs(queue_name="jobs", task_time_limit_seconds=60, protect=True)))

    assert {r.name for r in run.resources if r.protect} == {"jobs-queue", "jobs-dlq"}
