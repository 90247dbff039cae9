"""The rehearsal's export step: a Health app export (synthetic, in the real shapes:
localservices.export_files) created through the api, uploaded with its presigned POST straight to
the emulator's bucket, completed, read by the worker into a batch, and its file deleted.

The api signs the upload with its own task role's credentials and the worker reads and deletes
with its own, all while IAM is enforced (the probes before it showed the api cannot read the
bucket and the worker cannot write it).

One stand-in: moto cannot authorize a presigned POST while IAM is enforced (its access control
reads the request's Authorization header, which a browser-style POST upload does not have:
moto/iam/access_control.py). So the step checks the POST policy the api signed (the key under
exports/<owner>/, the content type, the size range, signed with the api task role's own access
key) and uploads those bytes to that key with PutObject signed by the api task role: the
principal, action and object the presigned POST exercises in AWS. The POST itself is tested
against moto without IAM (tests/e2e/test_export_flow.py).
"""

from __future__ import annotations

import base64
import json
import time
from collections.abc import Callable
from dataclasses import dataclass

from localservices.export_files import export_zip_write
from rehearsal.live import API, WORKER, Live
from rehearsal.report import Report
from rehearsal.steps import StepFailed, tail
from rehearsal.sync_steps import api_client

#: records of the synthetic export: a few chunks of the stacks' chunk size (1000)
EXPORT_RECORDS = 2500
FINAL = {"read", "failed"}
BATCH_FINAL = {"completed", "completed_with_errors", "failed"}


@dataclass(frozen=True)
class ExportAudit:
    export_id: str
    bytes_uploaded: int
    samples: int
    status: str
    records_created: int
    chunks: int
    file_deleted: bool
    seconds: float

    def line(self) -> str:
        return (f"export {self.export_id}: {self.bytes_uploaded} bytes (zip) put by the api role where its presigned "
                f"POST points, "
                f"{self.status}: {self.samples} samples, {self.records_created} created in {self.chunks} chunks, "
                f"file {'deleted' if self.file_deleted else 'NOT deleted'} ({self.seconds:.1f} s)")


def exports_bucket(live: Live) -> str:
    return str(live.run.outputs["exportsBucketName"])


def _status(client, export_id: str) -> dict:
    answer = client.session.get(f"{client.base_url}/api/v1/exports/{export_id}", timeout=10)
    if answer.status_code != 200:
        raise StepFailed(f"GET /api/v1/exports/{export_id} answered {answer.status_code}: {answer.text[:300]}")
    return answer.json()


def _wait(live: Live, client, export_id: str, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        live.watch()
        status = _status(client, export_id)
        if status["status"] in FINAL and (status.get("batch") or {}).get("status") in BATCH_FINAL:
            return status
        if time.monotonic() > deadline:
            raise StepFailed(f"the export did not end within {timeout:.0f} s: {status}",
                             log_tail=tail(live.tasks[WORKER].containers[-1].log_text()))
        time.sleep(0.25)


def _upload_as_the_api(live: Live, upload: dict, body: bytes) -> None:
    """Check the POST policy the api signed, then put the bytes as the api task role (see the module doc)."""
    fields = upload["fields"]
    conditions = json.loads(base64.b64decode(fields["policy"]))["conditions"]
    key, api_key_id = fields["key"], live.credentials[API].access_key_id
    expected = [{"key": key}, {"Content-Type": "application/zip"}]
    problems = [f"no condition {c}" for c in expected if c not in conditions]
    if not any(isinstance(c, list) and c[:1] == ["content-length-range"] and c[2] >= len(body) for c in conditions):
        problems.append("no content-length-range admitting the file")
    if not key.startswith("exports/") or not fields.get("x-amz-credential", "").startswith(api_key_id + "/"):
        problems.append(f"key {key!r} or credential {fields.get('x-amz-credential')!r} is not the api role's under exports/")
    if problems:
        raise StepFailed("the presigned POST the api signed is not what an upload needs: " + "; ".join(problems))
    s3 = live.emulator.client("s3", live.credentials[API])
    s3.put_object(Bucket=exports_bucket(live), Key=key, Body=body, ContentType="application/zip")


def export_step(live: Live, report: Report, say: Callable[[str], None], *, timeout: float = 120.0) -> None:
    started = time.monotonic()
    client = api_client(live)
    archive = live.state_dir / "rehearsal-export.zip"
    samples = export_zip_write(archive, records=EXPORT_RECORDS)
    created = client.session.post(f"{client.base_url}/api/v1/exports", json={"content_type": "application/zip"}, timeout=10)
    if created.status_code != 201:
        raise StepFailed(f"POST /api/v1/exports answered {created.status_code}: {created.text[:300]}")
    export_id, upload = created.json()["id"], created.json()["upload"]
    body = archive.read_bytes()
    _upload_as_the_api(live, upload, body)
    completed = client.session.post(f"{client.base_url}/api/v1/exports/{export_id}/complete", timeout=10)
    if completed.status_code != 202:
        raise StepFailed(f"POST /api/v1/exports/{export_id}/complete answered {completed.status_code}: "
                         f"{completed.text[:300]}")
    status = _wait(live, client, export_id, timeout)
    batch = status["batch"]
    if (status["status"], batch["status"], batch["records_created"]) != ("read", "completed", samples):
        raise StepFailed(f"the export ended {status['status']} ({status['error']}), its batch {batch['status']} "
                         f"with {batch['records_created']} of {samples} samples created",
                         log_tail=tail(live.tasks[WORKER].containers[-1].log_text()))
    left = live.emulator.client("s3").list_objects_v2(Bucket=exports_bucket(live), Prefix="exports/").get("KeyCount", 0)
    if not status["file_deleted"] or left:
        raise StepFailed(f"the export was read but its file was not deleted ({left} object(s) left under exports/)")
    report.export = ExportAudit(export_id, len(body), samples, status["status"], batch["records_created"],
                                batch["chunks_total"], True, time.monotonic() - started)
    say(f"    {report.export.line()}")
