"""Write positions: which of two writes to one sample is the later one, whatever their commit order.

A batch gets a sequence number when the API accepts it (a database sequence); the items of its
request (samples, then deletions) are numbered from 0. position = sequence << ITEM_BITS | index.
"""

from django.db import connection

#: items a request may hold: HEALTHKIT_IMPORT_MAX_SAMPLES must stay below 2**ITEM_BITS
ITEM_BITS = 24
MAX_ITEMS = 2**ITEM_BITS
SEQUENCE_NAME = "healthkit_batch_sequence"


def position_of(sequence: int, index: int) -> int:
    if not 0 <= index < MAX_ITEMS:
        raise ValueError(f"item index {index} outside 0..{MAX_ITEMS - 1}")
    return (sequence << ITEM_BITS) | index


def batch_sequence_next() -> int:
    """The next batch sequence number (PostgreSQL: a sequence; SQLite, which serializes writers: max + 1)."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT nextval(%s)", [SEQUENCE_NAME])
        else:
            cursor.execute("SELECT COALESCE(MAX(sequence), 0) + 1 FROM healthkit_applehealthimportbatch")
        return cursor.fetchone()[0]
