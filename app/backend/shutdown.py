"""How the worker stops on SIGTERM (ECS stops a task, Fargate Spot reclaims one).

Celery's soft shutdown: the worker stops taking messages, lets running tasks go on for
CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT seconds, then cancels those still running and hands their
messages back to the queue (visible again), all before the container's 120 s stopTimeout.
Celery starts it on SIGQUIT; SIGTERM does the same only when the process was started with
REMAP_SIGTERM=SIGQUIT (read by billiard at import, so it must be in the environment: the
image sets it). Without it SIGTERM waits for running tasks with no limit, and ECS kills the
task at the stopTimeout: nothing is lost, but the messages reappear only after the queue's
VisibilityTimeout. `SoftShutdownCheck` says so in the log at start-up.
"""

import logging
import os

from celery import bootsteps

logger = logging.getLogger(__name__)

REMAP_VARIABLE = "REMAP_SIGTERM"
REMAP_VALUE = "SIGQUIT"
SIGTERM_UNBOUNDED = (
    "SIGTERM will wait for running tasks without limit: start the worker with "
    f"{REMAP_VARIABLE}={REMAP_VALUE} so that CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT ({{timeout:g}} s) applies"
)
SIGTERM_BOUNDED = "SIGTERM: running tasks get {timeout:g} s, then their messages are handed back"


def sigterm_is_bounded(*, environ: dict[str, str], soft_shutdown_timeout: float) -> bool:
    """True when SIGTERM starts Celery's soft shutdown with a positive budget."""
    return environ.get(REMAP_VARIABLE) == REMAP_VALUE and soft_shutdown_timeout > 0


class SoftShutdownCheck(bootsteps.Step):
    """Logs, at worker start, whether SIGTERM is bounded by the soft shutdown budget."""

    def __init__(self, parent, **kwargs) -> None:
        super().__init__(parent, **kwargs)
        timeout = float(parent.app.conf.worker_soft_shutdown_timeout or 0)
        if sigterm_is_bounded(environ=dict(os.environ), soft_shutdown_timeout=timeout):
            logger.info(SIGTERM_BOUNDED.format(timeout=timeout))
        else:
            logger.warning(SIGTERM_UNBOUNDED.format(timeout=timeout))
