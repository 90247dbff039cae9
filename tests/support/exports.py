"""Exports in tests: a bucket in the moto server, uploads through the presigned POST, hostile files."""

import io
import uuid
import zipfile

import requests

from localservices.waiting import wait_until

EXPORT_FINAL = frozenset({"read", "failed"})
BATCH_FINAL = frozenset({"completed", "completed_with_errors", "failed"})


def bucket_create(s3_client) -> str:
    name = f"healthkit-exports-{uuid.uuid4().hex[:12]}"
    s3_client.create_bucket(Bucket=name)
    return name


def presigned_upload(upload: dict, body: bytes, *, content_type: str) -> requests.Response:
    """POST the file with the presigned policy's fields, as a client (curl -F, URLSession) does."""
    return requests.post(
        upload["url"], data=upload["fields"], files={"file": ("export", body, content_type)}, timeout=30
    )


def export_uploaded_and_completed(api, body: bytes, *, content_type: str = "application/zip") -> dict:
    """Through the api (a localservices.api.ApiClient): create an export, upload `body` with its
    presigned POST, complete it; the answer to the completion (the export, its batch, its URLs)."""
    created = api.session.post(f"{api.base_url}/api/v1/exports", json={"content_type": content_type}, timeout=10)
    assert created.status_code == 201, created.text
    uploaded = presigned_upload(created.json()["upload"], body, content_type=content_type)
    assert uploaded.status_code in (200, 204), uploaded.text
    completed = api.session.post(created.json()["complete_url"], timeout=10)
    assert completed.status_code == 202, completed.text
    return completed.json()


def zipped(xml: bytes, *, member: str = "apple_health_export/export.xml") -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(member, xml)
    return out.getvalue()


def zip_bomb(inflated_bytes: int) -> bytes:
    """A valid zip whose export.xml is `inflated_bytes` of one repeated byte (a ratio near 1000:1)."""
    head = b'<?xml version="1.0" encoding="UTF-8"?>\n<HealthData locale="en_US">\n<!--'
    return zipped(head + b"x" * inflated_bytes + b"-->\n</HealthData>\n")


BILLION_LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE HealthData [
 <!ENTITY lol "lol">
 <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
 <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
 <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
]>
<HealthData locale="en_US"><Record type="HKQuantityTypeIdentifierStepCount" sourceName="&lol3;" unit="count"
 startDate="2020-01-01 10:00:00 +0000" endDate="2020-01-01 10:01:00 +0000" value="1"/></HealthData>
"""


def export_wait(get_status, *, timeout: float = 60.0) -> dict:
    """Poll `get_status()` (the export's answer) until the export and its batch have ended."""
    last: dict = {}

    def ended():
        last.clear()
        last.update(get_status())
        batch = last.get("batch") or {}
        done = last["status"] in EXPORT_FINAL and (batch.get("status") in BATCH_FINAL)
        return dict(last) if done else None

    return wait_until(ended, timeout=timeout, interval=0.2, message=lambda: f"export to end: {last}")
