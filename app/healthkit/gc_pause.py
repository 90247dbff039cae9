"""Python's cyclic garbage collector paused around a chunk's in-memory work.

A chunk of 1000 samples allocates tens of thousands of dicts, tuples and rows, none of them in
a reference cycle; with the collector on, those allocations set off collections that walk the
process's long-lived objects (Django, Celery, the catalogue) again and again: about a third of
applying a chunk's writes in memory (bench/README.md). Paused, the chunk's objects are still
freed by reference counting as always, and a cycle made meanwhile is collected by the first
collection after. Process-wide: another thread (the worker's sweeper) allocates without
collections for that time, milliseconds.
"""

import gc
from collections.abc import Iterator
from contextlib import contextmanager


@contextmanager
def gc_paused() -> Iterator[None]:
    """No cyclic collection inside the block (nested blocks, or a collector already off, leave it as it was)."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
