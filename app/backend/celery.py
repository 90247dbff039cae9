"""The Celery app: `celery -A backend worker --queues apple-health-imports`.

Configuration comes from Django settings (the CELERY_* names); see backend/settings.py.
"""

import os

from celery import Celery, bootsteps, signals
from django.core.exceptions import ImproperlyConfigured

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "backend.settings")

WORKER_WITHOUT_QUEUE = (
    "cannot start a worker: CELERY_APPLE_HEALTH_QUEUE_URL is not set, so tasks run "
    "in-process (dev eager mode); set it (and AWS_ENDPOINT_URL_SQS for an emulator)"
)

app = Celery("backend")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


class RefuseEagerWorker(bootsteps.Step):
    """A worker in eager mode (dev without a queue URL) would consume nothing: refuse to start."""

    def __init__(self, parent, **kwargs) -> None:
        if parent.app.conf.task_always_eager:
            raise ImproperlyConfigured(WORKER_WITHOUT_QUEUE)
        super().__init__(parent, **kwargs)


@signals.setup_logging.connect
def _logging_from_django_settings(**kwargs) -> None:
    """The worker logs as the api does (settings.LOGGING: JSON lines), not in Celery's format."""
    from logging.config import dictConfig

    from django.conf import settings

    dictConfig(settings.LOGGING)


def _add_worker_steps(app: Celery) -> None:
    from backend.heartbeat import WorkerHeartbeat
    from backend.shutdown import SoftShutdownCheck
    from backend.sweeper import ChunkSweeper

    app.steps["worker"].add(RefuseEagerWorker)
    app.steps["worker"].add(SoftShutdownCheck)
    app.steps["worker"].add(ChunkSweeper)
    app.steps["consumer"].add(WorkerHeartbeat)


_add_worker_steps(app)
