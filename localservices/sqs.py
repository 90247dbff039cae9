"""A moto server subprocess on 127.0.0.1 and SQS queues created the way infra creates them.

moto = MotoServer.start(log_dir=Path("/tmp/x"))
queue = sqs_queue_create(moto.sqs_client(), name="apple-health-imports-1", task_time_limit=60)
...
moto.stop()
"""

import base64
import json
import os
import shutil
import sys
import uuid
from collections import Counter
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import requests

from localservices.ports import free_port
from localservices.processes import ManagedProcess
from localservices.waiting import wait_until

REGION = "us-east-1"
#: dummy credentials: moto accepts any (and checks IAM only after /moto-api/reset-auth)
ACCESS_KEY_ID = "testing"
SECRET_ACCESS_KEY = "testing"
#: matches the stack: VisibilityTimeout = task hard time limit + this margin (seconds)
VISIBILITY_MARGIN = 60
LONG_POLL_SECONDS = 20
MAX_RECEIVE_COUNT = 5
DLQ_RETENTION_SECONDS = 14 * 24 * 3600


def moto_server_binary() -> str:
    beside_python = Path(sys.executable).parent / "moto_server"
    return str(beside_python) if beside_python.exists() else (shutil.which("moto_server") or "moto_server")


class MotoServer:
    """`moto_server -H 127.0.0.1 -p PORT` as a subprocess."""

    def __init__(self, process: ManagedProcess, port: int) -> None:
        self.process = process
        self.port = port

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, *, log_dir: Path, timeout: float = 30.0, recording_file: Path | None = None) -> "MotoServer":
        """Start on a free port; `recording_file` is where its request recorder writes (see recording_start)."""
        port = free_port()
        env = os.environ | {"MOTO_RECORDER_FILEPATH": str(recording_file)} if recording_file else None
        process = ManagedProcess.start(
            [moto_server_binary(), "-H", "127.0.0.1", "-p", str(port)],
            name="moto",
            log_dir=log_dir,
            env=env,
        )
        server = cls(process, port)
        try:
            wait_until(server._answers, timeout=timeout, message=lambda: f"moto on port {port}:\n{process.log_text()}")
        except BaseException:
            process.stop()
            raise
        return server

    def _answers(self) -> bool:
        self.process.raise_if_exited()
        try:
            return requests.get(f"{self.endpoint_url}/moto-api/", timeout=1).status_code == 200
        except requests.RequestException:
            return False

    def stop(self) -> None:
        self.process.stop()

    # --- moto's request recorder: every request the server receives, from now on ---

    def recording_start(self) -> None:
        """Forget what was recorded so far and record every request from now on."""
        for action in ("reset-recording", "start-recording"):
            requests.post(f"{self.endpoint_url}/moto-api/recorder/{action}", timeout=10).raise_for_status()

    def recording_stop(self) -> None:
        requests.post(f"{self.endpoint_url}/moto-api/recorder/stop-recording", timeout=10).raise_for_status()

    def recorded_requests(self) -> list[dict]:
        """The recorded requests (`method`, `url`, `headers`, `body`), oldest first."""
        response = requests.get(f"{self.endpoint_url}/moto-api/recorder/download-recording", timeout=10)
        response.raise_for_status()
        return [json.loads(line) for line in response.text.splitlines() if line.strip()]

    def client_environment(self) -> dict[str, str]:
        """What a process needs to talk to this server as the app would to SQS."""
        return {
            "AWS_ENDPOINT_URL_SQS": self.endpoint_url,
            "AWS_ENDPOINT_URL_S3": self.endpoint_url,
            "AWS_ACCESS_KEY_ID": ACCESS_KEY_ID,
            "AWS_SECRET_ACCESS_KEY": SECRET_ACCESS_KEY,
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
        }

    def client(self, service: str):
        """A boto3 client of `service` on this server, with the dummy credentials."""
        return boto3.client(
            service,
            endpoint_url=self.endpoint_url,
            region_name=REGION,
            aws_access_key_id=ACCESS_KEY_ID,
            aws_secret_access_key=SECRET_ACCESS_KEY,
        )

    def s3_client(self):
        return self.client("s3")

    def sqs_client(self):
        return self.client("sqs")


@dataclass(frozen=True)
class SqsQueue:
    url: str
    arn: str
    dlq_url: str
    dlq_arn: str
    visibility_timeout: int
    max_receive_count: int


def unique_queue_name(prefix: str = "apple-health-imports") -> str:
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def sqs_queue_create(
    client,
    *,
    name: str | None = None,
    task_time_limit: int = 300,
    visibility_timeout: int | None = None,
    max_receive_count: int = MAX_RECEIVE_COUNT,
    wait_time_seconds: int = LONG_POLL_SECONDS,
) -> SqsQueue:
    """The queue and its DLQ as the stack creates them.

    VisibilityTimeout = task_time_limit + 60 unless `visibility_timeout` is given (short ones
    let DLQ tests run fast); ReceiveMessageWaitTimeSeconds 20; redrive after
    `max_receive_count` receives; encryption at rest.
    """
    name = name or unique_queue_name()
    visibility = visibility_timeout if visibility_timeout is not None else task_time_limit + VISIBILITY_MARGIN
    dlq_url = client.create_queue(
        QueueName=f"{name}-dlq",
        Attributes={"MessageRetentionPeriod": str(DLQ_RETENTION_SECONDS), "SqsManagedSseEnabled": "true"},
    )["QueueUrl"]
    dlq_arn = _queue_arn(client, dlq_url)
    url = client.create_queue(
        QueueName=name,
        Attributes={
            "VisibilityTimeout": str(visibility),
            "ReceiveMessageWaitTimeSeconds": str(wait_time_seconds),
            "RedrivePolicy": json.dumps({"deadLetterTargetArn": dlq_arn, "maxReceiveCount": str(max_receive_count)}),
            "SqsManagedSseEnabled": "true",
        },
    )["QueueUrl"]
    return SqsQueue(
        url=url,
        arn=_queue_arn(client, url),
        dlq_url=dlq_url,
        dlq_arn=dlq_arn,
        visibility_timeout=visibility,
        max_receive_count=max_receive_count,
    )


def _queue_arn(client, url: str) -> str:
    return client.get_queue_attributes(QueueUrl=url, AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]


def queue_depth(client, url: str) -> dict[str, int]:
    """Visible ('ApproximateNumberOfMessages') and in-flight ('...NotVisible') message counts."""
    names = ["ApproximateNumberOfMessages", "ApproximateNumberOfMessagesNotVisible"]
    attributes = client.get_queue_attributes(QueueUrl=url, AttributeNames=names)["Attributes"]
    return {key: int(attributes.get(key, 0)) for key in names}


def sqs_request_action(entry: dict) -> tuple[str, str]:
    """(action, queue URL) of a recorded SQS request (JSON protocol, or the older query protocol)."""
    headers = {key.lower(): value for key, value in entry.get("headers", {}).items()}
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode(errors="replace")
    target = headers.get("x-amz-target", "")
    if target.startswith("AmazonSQS."):
        return target.removeprefix("AmazonSQS."), json.loads(body or "{}").get("QueueUrl", "")
    params = {key: values[0] for key, values in parse_qs(body).items()}
    return params.get("Action", ""), params.get("QueueUrl", entry.get("url", ""))


def sqs_requests_by_action(entries: list[dict], *, queue_url: str) -> Counter:
    """How many recorded requests of each SQS action were about `queue_url`."""
    return Counter(action for action, url in map(sqs_request_action, entries) if url == queue_url)
