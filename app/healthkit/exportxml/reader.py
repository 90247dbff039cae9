"""Streaming export.xml: each top-level element converted, then dropped from memory.

defusedxml parses without expanding entities and without loading anything external (a
document declaring an entity, such as a billion-laughs bomb, raises EntitiesForbidden); the
DTD that real exports begin with (element and attribute declarations only) is allowed.
Constant memory: each child of <HealthData> is cleared after it is converted, and removed
from the root (a cleared element the root still lists would grow the tree by one per record).
"""

from collections.abc import Iterator
from typing import BinaryIO

from defusedxml.ElementTree import iterparse

from healthkit.exportxml.convert import element_samples

SAMPLE_ELEMENTS = frozenset({"Record", "Workout", "Correlation"})


def export_elements(source: str | BinaryIO, *, skip: int = 0) -> Iterator[tuple[int, list[dict]]]:
    """(index, samples) of every child of <HealthData>, in document order (index from 0).

    The first `skip` children are parsed but not converted (their samples: []): a resumed
    read passes what it already stored.
    """
    depth, index, root = 0, 0, None
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            depth += 1
            if root is None:
                root = element
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
