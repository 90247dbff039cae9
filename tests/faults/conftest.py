"""The fault suite: real `celery worker` processes on a moto SQS queue and real PostgreSQL.

Each test makes one fault happen at a known point of a chunk's life, without touching app/:
a lock held by the test (tests.support.database_faults.sample_insert_held) stops a worker
*mid-chunk* (claimed and counted, samples written but not committed) for as long as the test
needs; a trigger created by the test makes a chunk poison; the test refuses the database's
connections for a while. Each ends with the database holding exactly the expected samples.
"""

from collections.abc import Callable

import pytest

from tests.support.database_faults import WORKER_SESSIONS
from localservices.sqs import SqsQueue

#: seconds before a requeued message is visible again (also the long-poll wait): fast retries
REQUEUE_DELAY = "1"


@pytest.fixture
def worker_env_factory(app_env_factory) -> Callable[..., dict[str, str]]:
    """The contract environment for `queue`, with fast requeues and findable database sessions.

    Keyword arguments go to contract_environment; `extra` adds any other variable.
    """

    def build(queue: SqsQueue, *, extra: dict[str, str] | None = None, **contract) -> dict[str, str]:
        return (
            app_env_factory(queue, **contract)
            | WORKER_SESSIONS
            | {"CELERY_BROKER_WAIT_TIME_SECONDS": REQUEUE_DELAY}
            | (extra or {})
        )

    return build
