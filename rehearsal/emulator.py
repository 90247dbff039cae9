"""The AWS emulator: moto's server on 127.0.0.1, with an audit trail of every signed call.

``python -m rehearsal.emulator --port P --audit FILE`` serves moto (what ``moto_server``
serves) wrapped in a WSGI middleware that appends one JSON line per signed AWS request to FILE:
who (access key id), what (service and action), on what (the SQS queue, secret or log group
named in the request), and the answer (HTTP status, and the error code and message when it
failed). moto's own error answers do not say which resource was refused, and when a JSON-protocol
client (boto3's SQS) gets moto's XML error it only sees the code "403"; the trail is how the
rehearsal tells "worker got AccessDenied for sqs:DeleteMessage on arn:aws:sqs:..." at once.

:class:`Emulator` starts that server as a child process and gives clients for it; IAM
enforcement is switched on with :meth:`Emulator.enforce_iam` (``POST /moto-api/reset-auth``
with body ``0``: from then on every call must be signed with a key moto knows, and is checked
against the caller's IAM policies).
"""

from __future__ import annotations

import argparse
import io
import json
import re
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import parse_qs

from rehearsal.audit import AuditRecord, read_audit

#: moto's default account; ``proof.mockrun`` records ARNs in the same account.
MOTO_ACCOUNT_ID = "123456789012"

_CREDENTIAL = re.compile(r"Credential=([^/,\s]+)/\d+/([^/]+)/([^/]+)/")
_XML_CODE = re.compile(r"<Code>(.*?)</Code>", re.S)
_XML_MESSAGE = re.compile(r"<Message>(.*?)</Message>", re.S)


# --- The server side (runs in the child process) -----------------------------------------------

#: S3's REST calls on an object (path /bucket/key) by method, as IAM names them (HEAD is
#: authorized as GetObject, a multipart upload's parts as PutObject)
_S3_OBJECT_ACTIONS = {"GET": "GetObject", "HEAD": "GetObject", "PUT": "PutObject", "POST": "PutObject",
                      "DELETE": "DeleteObject"}


def _s3_action(environ: dict, path: str) -> str:
    """The IAM action of an S3 object call, ListBucket for a plain GET of a bucket; else empty."""
    method, parts = environ.get("REQUEST_METHOD", ""), path.strip("/").split("/", 1)
    if len(parts) == 2 and parts[1]:
        return _S3_OBJECT_ACTIONS.get(method, "")
    query = environ.get("QUERY_STRING", "")
    return "ListBucket" if method == "GET" and all(k in ("list-type", "prefix", "max-keys", "continuation-token",
                                                         "encoding-type", "delimiter", "start-after", "fetch-owner")
                                                 for k in parse_qs(query, keep_blank_values=True)) else ""


def _request_fields(environ: dict, body: bytes) -> dict:
    """Service, region, access key, action and target of a signed request (best effort)."""
    match = _CREDENTIAL.search(environ.get("HTTP_AUTHORIZATION", ""))
    if not match:
        return {}
    key, region, service = match.groups()
    target = environ.get("HTTP_X_AMZ_TARGET", "")
    params: dict = {}
    content_type = environ.get("CONTENT_TYPE", "")
    if "json" in content_type:
        try:
            params = json.loads(body or b"{}")
        except ValueError:
            params = {}
    elif "x-www-form-urlencoded" in content_type:
        params = {k: v[0] for k, v in parse_qs(body.decode(errors="replace")).items()}
    path = environ.get("PATH_INFO", "")
    if target:
        action = target.rsplit(".", 1)[-1]
    elif params.get("Action"):
        action = params["Action"]
    elif "/operation/" in path:  # smithy-rpc-v2-cbor (CloudWatch)
        action = path.rsplit("/", 1)[-1]
    elif service == "s3" and _s3_action(environ, path):
        action = _s3_action(environ, path)
        params = {"Object": path.lstrip("/")}
    else:
        action = f"{environ.get('REQUEST_METHOD')} {path}"
    fields = {"key": key, "region": region, "service": service, "action": action}
    for name in ("QueueUrl", "SecretId", "logGroupName", "RoleArn", "Object"):
        if isinstance(params.get(name), str):
            fields["target"] = params[name]
            break
    return fields


def _error_fields(status: int, body: bytes) -> dict:
    if status < 400:
        return {}
    text = body[:4096].decode(errors="replace")
    code = message = ""
    if text.lstrip().startswith("{"):
        try:
            data = json.loads(text)
            code = str(data.get("__type", "")).rsplit("#", 1)[-1]
            message = str(data.get("message") or data.get("Message") or "")
        except ValueError:
            pass
    else:
        codes, messages = _XML_CODE.findall(text), _XML_MESSAGE.findall(text)
        code, message = (codes[0] if codes else ""), (messages[0] if messages else "")
    return {"error": code or str(status), "message": message.strip()}


class AuditMiddleware:
    """WSGI middleware appending one JSON line per signed request to ``audit_path``."""

    def __init__(self, app, audit_path: Path):
        self.app = app
        self.audit = open(audit_path, "a", buffering=1)  # noqa: SIM115 - lives as long as the server
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = b""
        if length:  # read it for the record, and hand moto a fresh copy
            body = environ["wsgi.input"].read(length)
            environ["wsgi.input"] = io.BytesIO(body)
        fields = _request_fields(environ, body)
        if not fields:
            return self.app(environ, start_response)
        answer: dict = {}

        def recording_start_response(status, headers, exc_info=None):
            answer["status"] = int(status.split(" ", 1)[0])
            return start_response(status, headers, exc_info)

        chunks = list(self.app(environ, recording_start_response))
        status = answer.get("status", 500)
        record = {"time": time.time(), **fields, "status": status, **_error_fields(status, b"".join(chunks))}
        with self.lock:
            self.audit.write(json.dumps(record) + "\n")
        return chunks


def _authorize_secrets_by_arn() -> None:
    """Make moto authorize Secrets Manager calls against the secret they name, as AWS does.

    moto checks the resource of a call only for SQS, IAM, STS and S3; for other services it
    compares the policy's ``Resource`` with ``*``, which a policy scoped to one secret (the task
    roles' GetSecretValue on the database secret) never matches. Its responses take the resource
    from ``_determine_resource`` (SQS's does the same with the queue): here, the ARN of the secret
    ``SecretId`` names.
    """
    from moto.secretsmanager.responses import SecretsManagerResponse

    def _determine_resource(self) -> str:
        secret_id = self._get_param("SecretId")
        secret = self.backend.secrets.get(secret_id) if secret_id else None
        return secret.arn if secret is not None else "*"

    SecretsManagerResponse._determine_resource = _determine_resource


def serve(argv: list[str] | None = None) -> None:
    """The child process: moto's server app behind :class:`AuditMiddleware`."""
    parser = argparse.ArgumentParser(prog="python -m rehearsal.emulator")
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--audit", type=Path, required=True)
    args = parser.parse_args(argv)

    import signal

    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import run_simple

    class QuietHandler(MotoRequestHandler):
        def log_request(self, code="-", size="-"):  # the audit trail says more
            pass

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    _authorize_secrets_by_arn()
    app = AuditMiddleware(DomainDispatcherApplication(create_backend_app), args.audit)
    run_simple("127.0.0.1", args.port, app, threaded=True, request_handler=QuietHandler)


# --- The client side ---------------------------------------------------------------------------

@dataclass(frozen=True)
class Credentials:
    """An access key moto knows (an IAM user's, or a role session's from AssumeRole)."""

    access_key_id: str
    secret_access_key: str
    session_token: str | None = None
    principal_arn: str = ""

    def environment(self) -> dict[str, str]:
        """The variables boto3 (and kombu through it) read credentials from."""
        env = {"AWS_ACCESS_KEY_ID": self.access_key_id, "AWS_SECRET_ACCESS_KEY": self.secret_access_key}
        if self.session_token:
            env["AWS_SESSION_TOKEN"] = self.session_token
        return env


#: Before enforcement moto accepts any key; these only have to look like one.
BOOTSTRAP_CREDENTIALS = Credentials("AKIAREHEARSALBOOTSTRP", "rehearsal-bootstrap-secret")


class Emulator:
    """The emulator child process, and boto3 clients for it."""

    def __init__(self, process, port: int, audit_path: Path, region: str):
        self.process = process
        self.port = port
        self.audit_path = audit_path
        self.region = region
        self.admin = BOOTSTRAP_CREDENTIALS

    @property
    def endpoint_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @classmethod
    def start(cls, *, state_dir: Path, region: str, timeout: float = 30.0, attempts: int = 3) -> Emulator:
        """Start the server on a free port (another one if that port was taken meanwhile)."""
        from localservices.processes import ProcessExited

        for attempt in range(attempts):
            try:
                return cls._start_once(state_dir=state_dir, region=region, timeout=timeout)
            except ProcessExited:
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    @classmethod
    def _start_once(cls, *, state_dir: Path, region: str, timeout: float) -> Emulator:
        import requests

        from proof.mockrun import REPO_ROOT
        from localservices.ports import free_port
        from localservices.processes import ManagedProcess
        from localservices.waiting import wait_until

        port = free_port()
        audit_path = state_dir / "emulator-audit.jsonl"
        audit_path.touch()
        process = ManagedProcess.start(
            [sys.executable, "-m", "rehearsal.emulator", "--port", str(port), "--audit", str(audit_path)],
            name="emulator", log_dir=state_dir / "logs", cwd=REPO_ROOT,
            env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"},
        )
        emulator = cls(process, port, audit_path, region)

        def answers() -> bool:
            process.raise_if_exited()
            try:
                return requests.get(f"{emulator.endpoint_url}/moto-api/", timeout=1).status_code == 200
            except requests.RequestException:
                return False

        try:
            wait_until(answers, timeout=timeout, interval=0.1,
                       message=lambda: f"the emulator on port {port}:\n{process.log_text()[-2000:]}")
        except BaseException:
            process.stop()
            raise
        return emulator

    def stop(self) -> None:
        self.process.stop(timeout=5)

    def client(self, service: str, credentials: Credentials | None = None):
        """A boto3 client for ``service`` on the emulator (admin credentials by default)."""
        import boto3
        from botocore.config import Config

        creds = credentials or self.admin
        return boto3.client(
            service, region_name=self.region, endpoint_url=self.endpoint_url,
            aws_access_key_id=creds.access_key_id, aws_secret_access_key=creds.secret_access_key,
            aws_session_token=creds.session_token,
            config=Config(retries={"total_max_attempts": 1}, connect_timeout=5, read_timeout=30),
        )

    def enforce_iam(self) -> None:
        """From now on every call is authenticated and checked against IAM (moto's reset-auth)."""
        import requests

        response = requests.post(f"{self.endpoint_url}/moto-api/reset-auth", data=b"0", timeout=5)
        response.raise_for_status()

    def audit(self) -> list[AuditRecord]:
        """Every signed call so far, oldest first."""
        return read_audit(self.audit_path)

    def audit_since(self, offset: int) -> tuple[list[AuditRecord], int]:
        """Calls recorded after byte ``offset`` of the trail, and the new offset."""
        return read_audit(self.audit_path, offset=offset, with_offset=True)


if __name__ == "__main__":
    serve()
