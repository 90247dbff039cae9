"""`healthkit.read_export` (one argument: the export id as a string): read an uploaded export.

The export row, not the message, is the record of what is left to do. A claim that finds
another live worker reading does nothing (the message is acked); an error that stops the
reading (S3 or the database unreachable) lets go of the export and raises, so the message
comes back and the next claim resumes; a worker killed mid-read leaves
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
        except Exception as exc:  # S3 or the database unreachable...: the message comes back, the next claim resumes
            logger.warning("export %s: reading interrupted: %s", export_id, exc, exc_info=True)
            _release_quietly(export_id, attempt, f"{type(exc).__name__}: {exc}")
            raise


def _release_quietly(export_id: str, attempt: int, error: str) -> None:
    try:
        export_release(export_id=export_id, attempt=attempt, error=error)
    except Exception:  # the database is the problem: the heartbeat goes stale and the sweeper resends
        logger.warning("export %s: not released; it is taken over once its heartbeat is stale", export_id)
