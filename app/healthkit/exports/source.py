"""The export.xml inside an uploaded object: a zip as the Health app writes it, or the bare XML.

The caps that make a zip bomb harmless: the member's declared size, then the bytes actually
inflated, are held under HEALTHKIT_EXPORT_MAX_XML_BYTES and under
HEALTHKIT_EXPORT_MAX_RATIO times its compressed size; inflating stops at the first byte over
either (nothing is ever extracted to disk: the member is read as a stream).
"""

import io
import posixpath
import zipfile
from typing import BinaryIO

from django.conf import settings

from healthkit import errors

ZIP_MAGIC = b"PK\x03\x04"
#: the path the Health app writes; any other `export.xml` is taken when this one is absent
EXPORT_MEMBER = "apple_health_export/export.xml"


class ExportRejected(Exception):
    """The object is not an export this service reads; the message says why (it becomes the export's error)."""


def export_format(stream: BinaryIO) -> str:
    head = stream.read(4)
    stream.seek(0)
    return "zip" if head == ZIP_MAGIC else "xml"


def _member(archive: zipfile.ZipFile) -> zipfile.ZipInfo:
    candidates = [
        info
        for info in archive.infolist()
        if posixpath.basename(info.filename) == "export.xml" and not info.filename.startswith("__MACOSX/")
    ]
    exact = [info for info in candidates if info.filename == EXPORT_MEMBER]
    if not (exact or candidates):
        raise ExportRejected(errors.EXPORT_NO_XML.format(member=EXPORT_MEMBER))
    return (exact or candidates)[0]


class _Capped(io.RawIOBase):
    """The member's inflated bytes, refusing to go past the caps (a zip bomb)."""

    def __init__(self, member: BinaryIO, *, limit: int) -> None:
        self._member, self._limit, self.inflated = member, limit, 0

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        data = self._member.read(len(buffer))
        self.inflated += len(data)
        if self.inflated > self._limit:
            raise ExportRejected(errors.EXPORT_ZIP_BOMB.format(limit=self._limit))
        buffer[: len(data)] = data
        return len(data)


def inflate_limit(compressed: int) -> int:
    """The most a member of `compressed` bytes may inflate to."""
    return min(settings.HEALTHKIT_EXPORT_MAX_XML_BYTES, settings.HEALTHKIT_EXPORT_MAX_RATIO * max(compressed, 1))


def export_xml_open(stream: BinaryIO, fmt: str) -> BinaryIO:
    """The export.xml to parse: `stream` itself, or the capped stream of the zip's member."""
    if fmt == "xml":
        return stream
    try:
        archive = zipfile.ZipFile(stream)
        info = _member(archive)
        limit = inflate_limit(info.compress_size)
        if info.file_size > limit:
            raise ExportRejected(errors.EXPORT_ZIP_BOMB.format(limit=limit))
        member = archive.open(info)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, NotImplementedError, EOFError) as exc:
        raise ExportRejected(errors.EXPORT_ZIP_INVALID.format(reason=exc)) from exc
    return io.BufferedReader(_Capped(member, limit=limit), buffer_size=1024 * 1024)
