"""Enqueueing a chunk's task by its registered name, so services never import the tasks module.

`healthkit.tasks` registers the task under :data:`IMPORT_CHUNK_TASK` (the app config imports it
when Django starts); `chunk_enqueue` looks it up in the Celery app's registry, so it runs at once
in dev eager mode and goes to SQS otherwise, exactly as `import_chunk.delay()` does.
"""

from celery import current_app

#: the Celery task name of a chunk's import (the message's `task` header on the queue)
IMPORT_CHUNK_TASK = "healthkit.import_chunk"
#: the Celery task name of an export's reading (healthkit.export_tasks)
EXPORT_READ_TASK = "healthkit.read_export"


def chunk_enqueue(chunk_id: str) -> None:
    """Send `healthkit.import_chunk(chunk_id)` (one argument: the chunk id as a string)."""
    current_app.tasks[IMPORT_CHUNK_TASK].delay(chunk_id)


def export_enqueue(export_id: str) -> None:
    """Send `healthkit.read_export(export_id)` (one argument: the export id as a string)."""
    current_app.tasks[EXPORT_READ_TASK].delay(export_id)
