"""Streaming export.xml: each top-level element converted, then dropped from memory.

defusedxml parses without expanding entities and without loading anything external (a
document declaring an entity, such as a billion-laughs bomb, raises EntitiesForbidden); the
DTD that real exports begin with (element and attribute declarations only) is allowed.
Constant memory: each child of <HealthData> is cleared after it is converted, and removed
from the root (a cleared element the root still lists would grow the tree by one per record).
One child is held whole until it ends, so its size is bounded too (ElementTooLarge): at most
MAX_ELEMENT_NODES nodes, and at most MAX_TOKEN_BYTES read with no element starting or ending
(one huge attribute or text, which the parser would buffer whole).
"""

from collections.abc import Iterator
from typing import BinaryIO

from defusedxml.ElementTree import iterparse

from healthkit import errors
from healthkit.exportxml.convert import element_samples

SAMPLE_ELEMENTS = frozenset({"Record", "Workout", "Correlation"})
#: real exports' largest children (a workout with its events and statistics, a heart rate
#: variability record with its beats) hold hundreds of nodes and a few KiB
MAX_ELEMENT_NODES = 100_000
MAX_TOKEN_BYTES = 64 * 1024**2


class ElementTooLarge(ValueError):
    """A child of <HealthData> too large to hold in memory (the message says which bound)."""


class _Watched:
    """The source's bytes, refusing to read on past MAX_TOKEN_BYTES since the last `mark()`."""

    def __init__(self, source: BinaryIO) -> None:
        self._source, self._since_mark = source, 0

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self._since_mark += len(data)
        if self._since_mark > MAX_TOKEN_BYTES:
            raise ElementTooLarge(errors.EXPORT_XML_TOKEN_TOO_LARGE.format(limit=MAX_TOKEN_BYTES))
        return data

    def mark(self) -> None:
        self._since_mark = 0


def export_elements(source: str | BinaryIO, *, skip: int = 0) -> Iterator[tuple[int, list[dict]]]:
    """(index, samples) of every child of <HealthData>, in document order (index from 0).

    The first `skip` children are parsed but not converted (their samples: []): a resumed
    read passes what it already stored.
    """
    if isinstance(source, str):
        with open(source, "rb") as opened:
            yield from export_elements(opened, skip=skip)
        return
    watched = _Watched(source)
    depth, index, root, nodes = 0, 0, None, 0
    for event, element in iterparse(watched, events=("start", "end")):
        watched.mark()
        if event == "start":
            depth += 1
            if root is None:
                root = element
            nodes = 0 if depth == 2 else nodes + 1
            if nodes > MAX_ELEMENT_NODES:
                raise ElementTooLarge(errors.EXPORT_XML_ELEMENT_TOO_LARGE.format(index=index, limit=MAX_ELEMENT_NODES))
            continue
        depth -= 1
        if depth != 1:
            continue
        samples = element_samples(element) if index >= skip and element.tag in SAMPLE_ELEMENTS else []
        yield index, samples
        index += 1
        element.clear()
        root.clear()  # the children read so far (this one included) leave the tree


def export_samples(source: str | BinaryIO) -> Iterator[dict]:
    """Every sample of an export.xml (a path or a binary file), in document order."""
    for _, samples in export_elements(source):
        yield from samples
