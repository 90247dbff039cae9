"""Least-privilege probes: calls each task role must NOT be able to make, made with its own
credentials while IAM is enforced (before the sync, while the queues and the bucket are empty).

Every probe is harmless if it unexpectedly succeeds on an empty queue (a receive with no wait, a
delete with a made-up receipt handle, a purge, a list) or an empty bucket (a read of a key that
does not exist, a write of a probe object under exports/, a list). A probe answered anything but
AccessDenied means the role holds more than DESIGN.md allows, and the rehearsal fails.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from botocore.exceptions import ClientError

from rehearsal.audit import DENIED_CODES
from rehearsal.emulator import Credentials, Emulator
from rehearsal.steps import StepFailed

_BOGUS_RECEIPT = "rehearsal-probe-receipt-handle"


@dataclass(frozen=True)
class Probe:
    role: str
    """``api`` or ``worker``."""
    action: str
    queue: str
    """``queue``, ``dead-letter queue``, ``account`` or ``exports bucket``."""


@dataclass(frozen=True)
class ProbeResult:
    probe: Probe
    answer: str
    """``AccessDenied`` or what was answered instead."""

    @property
    def denied(self) -> bool:
        return self.answer in DENIED_CODES

    def line(self) -> str:
        verdict = "denied" if self.denied else "ALLOWED"
        return f"{self.probe.role}: {self.probe.action} on the {self.probe.queue} -> {self.answer} ({verdict})"


#: (role, action, which queue): what each role must be refused.
PROBES = (
    Probe("api", "sqs:ReceiveMessage", "queue"),
    Probe("api", "sqs:DeleteMessage", "queue"),
    Probe("api", "sqs:PurgeQueue", "queue"),
    Probe("api", "sqs:SendMessage", "dead-letter queue"),
    Probe("api", "sqs:ListQueues", "account"),
    Probe("worker", "sqs:PurgeQueue", "queue"),
    Probe("worker", "sqs:ReceiveMessage", "dead-letter queue"),
    Probe("worker", "sqs:ListQueues", "account"),
    # exports: the api presigns uploads but may not read them; the worker reads them but may not write
    Probe("api", "s3:GetObject", "exports bucket"),
    Probe("api", "s3:ListBucket", "exports bucket"),
    Probe("worker", "s3:PutObject", "exports bucket"),
    Probe("worker", "s3:ListBucket", "exports bucket"),
)
#: the key the S3 probes name (under the prefix the roles are scoped to, so only the action is refused)
PROBE_KEY = "exports/rehearsal-probe/object"


def _s3_call(s3, action: str, bucket: str) -> None:
    calls: dict[str, Callable[[], object]] = {
        "s3:GetObject": lambda: s3.get_object(Bucket=bucket, Key=PROBE_KEY),
        "s3:PutObject": lambda: s3.put_object(Bucket=bucket, Key=PROBE_KEY, Body=b"rehearsal probe"),
        "s3:ListBucket": lambda: s3.list_objects_v2(Bucket=bucket),
    }
    calls[action]()


def _call(sqs, action: str, url: str) -> None:
    calls: dict[str, Callable[[], object]] = {
        "sqs:ReceiveMessage": lambda: sqs.receive_message(QueueUrl=url, WaitTimeSeconds=0, VisibilityTimeout=0),
        "sqs:DeleteMessage": lambda: sqs.delete_message(QueueUrl=url, ReceiptHandle=_BOGUS_RECEIPT),
        "sqs:PurgeQueue": lambda: sqs.purge_queue(QueueUrl=url),
        "sqs:SendMessage": lambda: sqs.send_message(QueueUrl=url, MessageBody="rehearsal probe"),
        "sqs:ListQueues": lambda: sqs.list_queues(),
    }
    calls[action]()


def run_probes(emulator: Emulator, credentials: dict[str, Credentials], *, queue_url: str,
               dlq_url: str, bucket: str) -> list[ProbeResult]:
    """Make every probe with the role's credentials; fail if one is not denied."""
    results = []
    for probe in PROBES:
        try:
            if probe.action.startswith("s3:"):
                _s3_call(emulator.client("s3", credentials[probe.role]), probe.action, bucket)
            else:
                sqs = emulator.client("sqs", credentials[probe.role])
                _call(sqs, probe.action, dlq_url if probe.queue == "dead-letter queue" else queue_url)
            answer = "success"
        except ClientError as error:
            code = error.response.get("Error", {}).get("Code", "")
            message = error.response.get("Error", {}).get("Message", "")
            answer = "AccessDenied" if code in DENIED_CODES or "<Code>AccessDenied</Code>" in message else code
        results.append(ProbeResult(probe, answer))
    allowed = [r for r in results if not r.denied]
    if allowed:
        raise StepFailed("least privilege violated: " + "; ".join(r.line() for r in allowed))
    return results
