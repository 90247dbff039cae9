"""The rehearsal catches what it exists for: each fault fails the step that can first see it,
with a message naming the cause."""

from __future__ import annotations

from rehearsal.mutations import (
    container_variable_remove,
    container_variable_set,
    dead_letter_queue_url,
    task_role_action_remove,
)

QUEUE = "arn:aws:sqs:us-east-1:123456789012:healthkit-dev-apple-health-imports"


def test_a_variable_only_the_worker_lacks_fails_start_worker(fault_rehearsal):
    failure = fault_rehearsal(container_variable_remove("worker", "DB_NAME"))
    assert failure.step == "start worker"
    assert "the worker's environment lacks DB_NAME, which the api's has" in str(failure)


def test_a_required_variable_the_worker_lacks_in_prod_stops_the_worker(fault_rehearsal):
    failure = fault_rehearsal(container_variable_remove("worker", "DB_HOST"), stack="prod")
    assert failure.step == "start worker"
    assert "worker exited with 1" in failure.cause
    assert "missing required environment variables: DB_HOST" in failure.cause
    assert "ImproperlyConfigured" in failure.log_tail


def test_an_api_role_without_send_message_fails_the_sync(fault_rehearsal):
    failure = fault_rehearsal(task_role_action_remove("api", "sqs:SendMessage"))
    assert str(failure) == f"step 'sync' failed: api got AccessDenied for sqs:SendMessage on {QUEUE}"
    assert "not authorized to perform: sqs:SendMessage" in failure.log_tail


def test_a_worker_role_without_delete_message_fails_the_sync(fault_rehearsal, all_stopped):
    failure = fault_rehearsal(task_role_action_remove("worker", "sqs:DeleteMessage"))
    assert str(failure) == f"step 'sync' failed: worker got AccessDenied for sqs:DeleteMessage on {QUEUE}"
    # and everything it had started is stopped
    assert failure.report.failure == str(failure)
    all_stopped(failure.report)


def test_a_worker_consuming_the_dead_letter_queue_fails_start_worker(fault_rehearsal):
    failure = fault_rehearsal(container_variable_set("worker", "CELERY_APPLE_HEALTH_QUEUE_URL", dead_letter_queue_url))
    assert failure.step == "start worker"
    assert f"worker got AccessDenied for sqs:GetQueueAttributes on {QUEUE}-dlq" in failure.cause
    assert "CELERY_APPLE_HEALTH_QUEUE_URL is" in failure.cause and "-dlq' for the worker" in failure.cause
