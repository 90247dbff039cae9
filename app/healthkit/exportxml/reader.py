"""Streaming export.xml: each top-level sample element converted, then dropped from memory.

defusedxml parses without expanding entities and without loading anything external; the DTD
that real exports begin with (element and attribute declarations only) is allowed.
"""

from collections.abc import Iterator
from typing import BinaryIO

from defusedxml.ElementTree import iterparse

from healthkit.exportxml.convert import element_samples

SAMPLE_ELEMENTS = frozenset({"Record", "Workout", "Correlation"})


def export_samples(source: str | BinaryIO) -> Iterator[dict]:
    """Every sample of an export.xml (a path or a binary file), in document order."""
    depth = 0
    for event, element in iterparse(source, events=("start", "end")):
        if event == "start":
            depth += 1
            continue
        depth -= 1
        if depth == 1 and element.tag in SAMPLE_ELEMENTS:  # children of <HealthData>
            yield from element_samples(element)
            element.clear()
        elif depth == 1:
            element.clear()
