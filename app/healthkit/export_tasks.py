"""`healthkit.read_export` (one argument: the export id as a string): read an uploaded export.

The message is acked whatever happens: the export row is the record of what is left to do.
A claim that finds another live worker reading does nothing; a worker killed mid-read leaves
the row with an old heartbeat, and the sweeper (healthkit.services.exports.exports_sweep)
sends the task again, which resumes at the last commit. At the soft time limit the reading
stops, lets go of the export and sends the task again (it resumes where it stopped).
"""

import logging
import uuid

from backend.jsonlog import log_context
from celery import shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings

from healthkit.enqueue import EXPORT_READ_TASK
from healthkit.services.exports import export_claim, export_read, export_release, export_send

logger = logging.getLogger(__name__)


@shared_task(
    name=EXPORT_READ_TASK,
    time_limit=settings.HEALTHKIT_EXPORT_TIME_LIMIT,
    soft_time_limit=settings.HEALTHKIT_EXPORT_SOFT_TIME_LIMIT,
)
def read_export(export_id: str) -> None:
    try:
        uuid.UUID(str(export_id))
    except ValueError:
        logger.error("read_export got %r, not an export id: dropped", export_id)
        return
    with log_context(export_id=export_id):
        attempt = export_claim(export_id=export_id)
        if attempt is None:
            logger.info("export %s: nothing to read here (ended, or another worker reads it)", export_id)
            return
        try:
            export_read(export_id=export_id, attempt=attempt)
        except SoftTimeLimitExceeded:
            logger.warning("export %s: soft time limit; the reading goes on in a new task", export_id)
            export_release(export_id=export_id, attempt=attempt)
            export_send(export_id)
