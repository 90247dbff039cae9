"""S3 for exports: the client, the presigned POST, and a seekable reader over ranged GETs.

Why a presigned POST and not a presigned PUT: a POST policy carries conditions S3 enforces at
upload, `content-length-range` (the size limit) and the Content-Type; a PUT URL signs one
request but cannot bound the body's size. The policy also fixes the key, so the client can
only write `exports/<its owner id>/<export id>`: owner scoping is done here, the api's task role
may put objects anywhere under `exports/` (a presigned request is signed with its credentials).

The worker never downloads the object whole: `RangeReader` is a raw, seekable file over
`GetObject` with `Range: bytes=a-b`, buffered by `io.BufferedReader` (one request per
HEALTHKIT_EXPORT_READ_BLOCK_BYTES); zipfile seeks to the central directory at the end, then
reads the member's compressed bytes forward.
"""

import io
from dataclasses import dataclass

import boto3
from botocore.config import Config
from django.conf import settings

#: boto3's retries for the worker's reads (a ranged GET that fails is simply asked again)
_CLIENT_CONFIG = Config(retries={"max_attempts": 5, "mode": "standard"}, signature_version="s3v4")


def s3_client():
    """The S3 client of this process (AWS_ENDPOINT_URL_S3 points it at an emulator in tests)."""
    return boto3.client("s3", region_name=settings.AWS_REGION, config=_CLIENT_CONFIG)


@dataclass(frozen=True, slots=True)
class PresignedUpload:
    url: str
    fields: dict[str, str]


def upload_presign(*, key: str, content_type: str, max_bytes: int, expires_in: int) -> PresignedUpload:
    """A POST policy for exactly `key`, `content_type` and 1 to `max_bytes` bytes, valid `expires_in` seconds."""
    post = s3_client().generate_presigned_post(
        Bucket=settings.HEALTHKIT_EXPORTS_BUCKET,
        Key=key,
        Fields={"Content-Type": content_type},
        Conditions=[{"Content-Type": content_type}, ["content-length-range", 1, max_bytes]],
        ExpiresIn=expires_in,
    )
    return PresignedUpload(url=post["url"], fields=post["fields"])


@dataclass(frozen=True, slots=True)
class ObjectVersion:
    size: int
    etag: str


def object_version(client, key: str) -> ObjectVersion | None:
    """The object's size and ETag, or None when there is no such object (a ranged GET of byte 0:
    the worker may GetObject, and HeadObject would need the same permission anyway)."""
    try:
        answer = client.get_object(Bucket=settings.HEALTHKIT_EXPORTS_BUCKET, Key=key, Range="bytes=0-0")
    except client.exceptions.NoSuchKey:
        return None
    answer["Body"].close()
    return ObjectVersion(size=int(answer["ContentRange"].rsplit("/", 1)[1]), etag=answer["ETag"])


def object_changed(error: Exception) -> bool:
    """True for the answer to a ranged GET whose If-Match no longer holds (the object was replaced)."""
    response = getattr(error, "response", None) or {}
    return response.get("Error", {}).get("Code") in ("PreconditionFailed", "412")


def object_delete(client, key: str) -> None:
    client.delete_object(Bucket=settings.HEALTHKIT_EXPORTS_BUCKET, Key=key)


class RangeReader(io.RawIOBase):
    """A read-only, seekable file over one version of an S3 object: each read is one ranged GET
    with If-Match its ETag, so a replaced object is an error, never a mix of two files."""

    def __init__(self, client, key: str, version: ObjectVersion) -> None:
        self._client, self._key, self._version, self._position = client, key, version, 0
        self._size = version.size
        self.requests = 0  # ranged GETs sent (tests and the benchmark read it)

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer) -> int:
        if self._position >= self._size or len(buffer) == 0:
            return 0
        last = min(self._position + len(buffer), self._size) - 1
        answer = self._client.get_object(
            Bucket=settings.HEALTHKIT_EXPORTS_BUCKET, Key=self._key, Range=f"bytes={self._position}-{last}",
            IfMatch=self._version.etag,
        )
        data = answer["Body"].read()
        self.requests += 1
        buffer[: len(data)] = data
        self._position += len(data)
        return len(data)


def object_open(client, key: str, version: ObjectVersion) -> io.BufferedReader:
    """The object as a buffered, seekable binary file (HEALTHKIT_EXPORT_READ_BLOCK_BYTES a request)."""
    return io.BufferedReader(RangeReader(client, key, version), buffer_size=settings.HEALTHKIT_EXPORT_READ_BLOCK_BYTES)
