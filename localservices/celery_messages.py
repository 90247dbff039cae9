"""Celery task messages (protocol 2) in kombu's SQS envelope, to put on a queue with boto3.

The same builder makes a JSON message (what the api sends) or a pickle one (what an attacker
who can write to the queue might send), so a test can show the worker runs one and refuses
the other.

    body = task_message_body("healthkit.import_chunk", [chunk_id], serializer="pickle")
    sqs.send_message(QueueUrl=url, MessageBody=body)
"""

import base64
import json
import pickle
import uuid
from typing import Any

QUEUE_NAME = "apple-health-imports"
IMPORT_CHUNK_TASK = "healthkit.import_chunk"

_CONTENT_TYPES = {
    "json": ("application/json", "utf-8"),
    "pickle": ("application/x-python-serialize", "binary"),
}


def _serialize(payload: Any, serializer: str) -> bytes:
    if serializer == "json":
        return json.dumps(payload).encode()
    if serializer == "pickle":
        return pickle.dumps(payload, protocol=2)
    raise ValueError(f"unknown serializer {serializer!r}")


def task_message_body(
    task_name: str,
    args: list,
    *,
    kwargs: dict | None = None,
    serializer: str = "json",
    task_id: str | None = None,
    routing_key: str = QUEUE_NAME,
) -> str:
    """The SQS MessageBody kombu's SQS transport would write for this task call."""
    task_id = task_id or str(uuid.uuid4())
    content_type, content_encoding = _CONTENT_TYPES[serializer]
    body = [list(args), kwargs or {}, {"callbacks": None, "errbacks": None, "chain": None, "chord": None}]
    headers = {
        "lang": "py",
        "task": task_name,
        "id": task_id,
        "shadow": None,
        "eta": None,
        "expires": None,
        "group": None,
        "group_index": None,
        "retries": 0,
        "timelimit": [None, None],
        "root_id": task_id,
        "parent_id": None,
        "argsrepr": repr(args),
        "kwargsrepr": repr(kwargs or {}),
        "origin": "localservices.celery_messages",
        "ignore_result": True,
    }
    envelope = {
        "body": base64.b64encode(_serialize(body, serializer)).decode(),
        "content-encoding": content_encoding,
        "content-type": content_type,
        "headers": headers,
        "properties": {
            "correlation_id": task_id,
            "reply_to": "",
            "delivery_mode": 2,
            "delivery_info": {"exchange": "", "routing_key": routing_key},
            "priority": 0,
            "body_encoding": "base64",
            "delivery_tag": str(uuid.uuid4()),
        },
    }
    return base64.b64encode(json.dumps(envelope).encode()).decode()


def chunk_message_body(chunk_id) -> str:
    """The message the api sends for a chunk (JSON, `healthkit.import_chunk(chunk_id)`)."""
    return task_message_body(IMPORT_CHUNK_TASK, [str(chunk_id)])


def task_message_decode(message_body: str) -> tuple[str, list]:
    """(task name, args) of a JSON task message body as it sits on the queue."""
    envelope = json.loads(base64.b64decode(message_body))
    args, _kwargs, _embed = json.loads(base64.b64decode(envelope["body"]))
    return envelope["headers"]["task"], args


class FileCreatingPayload:
    """Unpickling this creates `path` (via builtins.open): proof that a pickle was loaded."""

    def __init__(self, path: str) -> None:
        self.path = path

    def __reduce__(self):
        return (open, (self.path, "w"))
