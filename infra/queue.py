"""The import queue: SQS queue + dead-letter queue, encrypted, TLS-only, long-polled.

The queue's own VisibilityTimeout governs redelivery (kombu ignores its option for predefined
queues), so it must cover the worker's hard task time limit plus a margin.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import pulumi
import pulumi_aws as aws

from infra import invariants as inv
from infra import policies
from infra.args import check


@dataclass
class QueueArgs:
    """Arguments of :class:`Queue`."""

    queue_name: str
    """Physical name of the main queue (unique per account and region); the dead-letter queue is
    ``<queue_name>-dlq``. Required; 1-76 letters, digits, hyphens or underscores."""

    task_time_limit_seconds: int
    """The worker's hard task time limit, seconds. Required."""

    visibility_timeout_seconds: int | None = None
    """VisibilityTimeout of the main queue, seconds. Must be >= task_time_limit_seconds + 60 and
    <= 43200. Default: task_time_limit_seconds + 60."""

    max_receive_count: int = 5
    """Receives before a message moves to the dead-letter queue. 1-1000. Default: 5."""

    message_retention_seconds: int = 345_600
    """Main queue retention, seconds. 60-1209600. Default: 345600 (4 days). The dead-letter
    queue always keeps 14 days."""

    protect: bool = False
    """Pulumi ``protect`` on both queues (prod). Default: false."""

    tags: dict[str, str] = field(default_factory=dict)
    """Tags on both queues. Default: none."""


class Queue(pulumi.ComponentResource):
    """SQS queue and DLQ with redrive, SSE, 20 s long polling and a deny-non-TLS policy."""

    queue: aws.sqs.Queue
    dead_letter_queue: aws.sqs.Queue
    url: pulumi.Output[str]
    arn: pulumi.Output[str]
    queue_name: pulumi.Output[str]
    dlq_url: pulumi.Output[str]
    dlq_arn: pulumi.Output[str]
    dlq_name: pulumi.Output[str]

    def __init__(self, name: str, args: QueueArgs, opts: pulumi.ResourceOptions | None = None):
        visibility = (
            args.visibility_timeout_seconds
            if args.visibility_timeout_seconds is not None
            else inv.visibility_timeout_for(args.task_time_limit_seconds)
        )
        needed = inv.visibility_timeout_for(args.task_time_limit_seconds)
        check(bool(args.queue_name) and len(args.queue_name) <= 76
              and args.queue_name.replace("-", "").replace("_", "").isalnum(),
              "QueueArgs", "queue_name", args.queue_name,
              "must be 1-76 letters, digits, hyphens or underscores (room for the -dlq suffix)",
              "choose a shorter name")
        check(visibility >= needed, "QueueArgs", "visibility_timeout_seconds", visibility,
              f"must be >= task_time_limit_seconds ({args.task_time_limit_seconds}) + "
              f"{inv.VISIBILITY_MARGIN_SECONDS} = {needed}",
              "raise it or lower the task time limit")
        check(visibility <= inv.SQS_MAX_VISIBILITY_SECONDS, "QueueArgs", "visibility_timeout_seconds",
              visibility, f"must be <= {inv.SQS_MAX_VISIBILITY_SECONDS}", "lower the task time limit")
        check(1 <= args.max_receive_count <= inv.SQS_MAX_RECEIVE_COUNT, "QueueArgs", "max_receive_count",
              args.max_receive_count, "must be between 1 and 1000", "choose e.g. 5")
        check(inv.SQS_MIN_RETENTION_SECONDS <= args.message_retention_seconds <= inv.SQS_MAX_RETENTION_SECONDS,
              "QueueArgs", "message_retention_seconds", args.message_retention_seconds,
              "must be between 60 and 1209600", "choose e.g. 345600")
        super().__init__("healthkit:queue:Queue", name, None, opts)

        child = pulumi.ResourceOptions(parent=self, protect=args.protect)

        self.dead_letter_queue = aws.sqs.Queue(
            f"{name}-dlq",
            name=f"{args.queue_name}-dlq",
            message_retention_seconds=inv.DLQ_RETENTION_SECONDS,
            receive_wait_time_seconds=inv.RECEIVE_WAIT_SECONDS,
            visibility_timeout_seconds=visibility,
            sqs_managed_sse_enabled=True,
            tags=args.tags,
            opts=child,
        )
        self.queue = aws.sqs.Queue(
            f"{name}-queue",
            name=args.queue_name,
            visibility_timeout_seconds=visibility,
            receive_wait_time_seconds=inv.RECEIVE_WAIT_SECONDS,
            message_retention_seconds=args.message_retention_seconds,
            sqs_managed_sse_enabled=True,
            redrive_policy=self.dead_letter_queue.arn.apply(
                lambda arn: json.dumps(policies.redrive_policy(
                    dead_letter_queue_arn=arn, max_receive_count=args.max_receive_count))),
            tags=args.tags,
            opts=child,
        )
        aws.sqs.RedriveAllowPolicy(
            f"{name}-dlq-redrive-allow",
            queue_url=self.dead_letter_queue.url,
            redrive_allow_policy=self.queue.arn.apply(
                lambda arn: json.dumps(policies.redrive_allow_policy(source_queue_arn=arn))),
            opts=pulumi.ResourceOptions(parent=self),
        )
        for role, q in (("queue", self.queue), ("dlq", self.dead_letter_queue)):
            aws.sqs.QueuePolicy(
                f"{name}-{role}-policy",
                queue_url=q.url,
                policy=q.arn.apply(
                    lambda arn: json.dumps(policies.deny_insecure_transport_queue_policy(queue_arn=arn))),
                opts=pulumi.ResourceOptions(parent=self),
            )

        self.url = self.queue.url
        self.arn = self.queue.arn
        self.queue_name = self.queue.name
        self.dlq_url = self.dead_letter_queue.url
        self.dlq_arn = self.dead_letter_queue.arn
        self.dlq_name = self.dead_letter_queue.name
        self.register_outputs({
            "url": self.url, "arn": self.arn, "dlqUrl": self.dlq_url, "dlqArn": self.dlq_arn,
        })
