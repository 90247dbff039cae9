"""Fixtures for the app and end-to-end suites (tests/app, tests/e2e).

Servers are started once per session and only when a test asks for them: PostgreSQL (all
database tests, through pytest-django's `django_db_modify_db_settings`) and a moto server
(SQS). Worker and gunicorn subprocesses are per test. The plain building blocks are in
localservices (shared with the rehearsal and the benchmarks) and tests/support (test-only).
"""

import contextlib
import os
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from proof.mockrun import ensure_event_loop
from localservices.celery_messages import chunk_message_body
from tests.support.database_faults import WORKER_APPLICATION_NAME, Backend, backends_waiting_on_lock
from localservices.environment import contract_environment, process_environment
from localservices.image import BuiltImage, ContainerEngine, ImageUnavailable, built_image, image_engine
from localservices.postgres import PostgresServer
from localservices.processes import CeleryWorker, GunicornServer
from localservices.sqs import MotoServer, SqsQueue, queue_depth, sqs_queue_create
from localservices.waiting import wait_until

#: Django's database name for tests; pytest-django creates and migrates `test_healthkit`
DATABASE_NAME = "healthkit"

#: variables of the developer's shell that would change what the in-process app does
_AMBIENT_APP_VARIABLES = (
    "DB_HOST",
    "CELERY_APPLE_HEALTH_QUEUE_URL",
    "AWS_ENDPOINT_URL_SQS",
    "DJANGO_ALLOWED_HOSTS",
    "HEALTHKIT_IMPORT_CHUNK_SIZE",
    "HEALTHKIT_IMPORT_MAX_SAMPLES",
    "HEALTHKIT_CHUNK_MAX_ATTEMPTS",
    "HEALTHKIT_ENVIRONMENT",
)


def pytest_configure(config: pytest.Config) -> None:
    """In-process app: dev mode (tasks eager), settings loaded so pytest-django sets Django up."""
    os.environ["DJANGO_SETTINGS_MODULE"] = "backend.settings"
    os.environ["DJANGO_ENV"] = "dev"
    for name in _AMBIENT_APP_VARIABLES:
        os.environ.pop(name, None)
    from django.conf import settings

    settings.INSTALLED_APPS  # noqa: B018 - loads the settings module now


# --- servers (session) -------------------------------------------------------------------


@pytest.fixture(scope="session")
def support_log_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Where subprocess logs go (kept under pytest's temp dir)."""
    return tmp_path_factory.mktemp("process-logs")


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[PostgresServer]:
    server = PostgresServer.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def django_db_modify_db_settings(postgres_server: PostgresServer) -> None:
    """Point Django at the session's PostgreSQL server before pytest-django creates the test DB."""
    from django.conf import settings
    from django.db import connections

    database = settings.DATABASES["default"]
    database.clear()
    database.update(postgres_server.django_database(name=DATABASE_NAME))
    # Forget what was derived from the dev (SQLite) settings at start-up.
    connections.__dict__.pop("settings", None)  # a cached_property
    with contextlib.suppress(AttributeError):  # AttributeError: no connection object was made yet
        del connections["default"]


@pytest.fixture(scope="session")
def moto_server(support_log_dir: Path) -> Iterator[MotoServer]:
    server = MotoServer.start(log_dir=support_log_dir)
    yield server
    server.stop()


@pytest.fixture
def sqs_client(moto_server: MotoServer):
    return moto_server.sqs_client()


@pytest.fixture
def sqs_queue_factory(sqs_client) -> Callable[..., SqsQueue]:
    """Create a fresh queue + DLQ as infra does (see localservices.sqs.sqs_queue_create)."""
    return lambda **options: sqs_queue_create(sqs_client, **options)


# --- the app as subprocesses (per test) ----------------------------------------------------


@pytest.fixture
def test_database_name(django_db_setup, django_db_blocker) -> str:
    """The name pytest-django gave the test database (what subprocesses must use)."""
    from django.db import connection

    with django_db_blocker.unblock():
        return connection.settings_dict["NAME"]


@pytest.fixture
def app_env_factory(
    postgres_server: PostgresServer, moto_server: MotoServer, test_database_name: str, tmp_path: Path
) -> Callable[..., dict[str, str]]:
    """The contract environment (DJANGO_ENV=prod) for a queue, plus the emulator's endpoint.

    Keyword overrides go to localservices.environment.contract_environment. As in a stack, a
    chunk's attempts are the queue's maxReceiveCount unless overridden.
    """

    def build(queue: SqsQueue, **overrides) -> dict[str, str]:
        options = {
            "heartbeat_file": tmp_path / "celery-worker-heartbeat",
            "chunk_max_attempts": queue.max_receive_count,
        } | overrides
        app_env = contract_environment(
            db=postgres_server.db_environment(name=test_database_name), queue_url=queue.url, **options
        )
        return process_environment(app_env, emulator=moto_server.client_environment())

    return build


@pytest.fixture
def celery_worker_factory(support_log_dir: Path) -> Iterator[Callable[..., CeleryWorker]]:
    """Start real `celery -A backend worker` processes; all are stopped (and their logs shown) after the test."""
    workers: list[CeleryWorker] = []

    def start(env: dict[str, str], **options) -> CeleryWorker:
        worker = CeleryWorker.start(env=env, log_dir=support_log_dir, **options)
        workers.append(worker)
        return worker

    yield start
    for worker in workers:
        worker.kill()
        print(f"--- celery worker log ({worker.process.log_path}) ---\n{worker.log_text()[-6000:]}")


# --- the built image (session) ---------------------------------------------------------------


@pytest.fixture(scope="session")
def image() -> BuiltImage:
    """The project's image, built once per session (scripts/build-image); when it cannot be built
    on this machine, every test using it FAILS with the build's error (never skips)."""
    try:
        built = built_image()
    except ImageUnavailable as error:
        pytest.fail(f"the image could not be built on this machine, so it cannot be tested: {error}", pytrace=False)
    print(f"testing {built.summary()}; bases: {built.bases}")
    return built


def pytest_terminal_summary(terminalreporter) -> None:
    """Name the image the session tested, and what its bases do not prove (stand-ins)."""
    if not built_image.cache_info().currsize:
        return
    try:
        built = built_image()
    except ImageUnavailable:
        return
    terminalreporter.write_sep("-", "image under test")
    terminalreporter.write_line(f"{built.summary()}, built in {built.seconds} s")
    terminalreporter.write_line(f"bases: {built.bases}")


@pytest.fixture(scope="session")
def engine(image: BuiltImage) -> Iterator[ContainerEngine]:
    """Runs containers of the image with the engine that built it (docker or buildah)."""
    running = image_engine(image)
    yield running
    running.close()


@pytest.fixture
def gunicorn_factory(support_log_dir: Path) -> Iterator[Callable[..., GunicornServer]]:
    """Start real `gunicorn backend.wsgi:application` processes on free ports; stopped after the test."""
    servers: list[GunicornServer] = []

    def start(env: dict[str, str], **options) -> GunicornServer:
        server = GunicornServer.start(env=env, log_dir=support_log_dir, **options)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop(graceful=False)
        print(f"--- gunicorn log ({server.process.log_path}) ---\n{server.process.log_text()[-4000:]}")


# --- chunks on a real worker (faults, liveness) ---------------------------------------------


@pytest.fixture
def chunk_messages_send(sqs_client) -> Callable[..., None]:
    """Put one `healthkit.import_chunk` message per chunk on the queue, and record it, as the api would."""
    from healthkit.outbox import chunks_enqueued_mark

    def send(queue: SqsQueue, chunks) -> None:
        for chunk in chunks:
            sqs_client.send_message(QueueUrl=queue.url, MessageBody=chunk_message_body(chunk.pk))
        chunks_enqueued_mark([str(chunk.pk) for chunk in chunks])

    return send


@pytest.fixture
def worker_sessions_blocked(postgres_server: PostgresServer, test_database_name: str) -> Callable[..., list[Backend]]:
    """Wait until `count` database sessions of workers started with PGAPPNAME=celery-worker
    wait on a lock (e.g. held by tests.support.database_faults.sample_insert_held): mid-chunk."""

    def wait(count: int = 1, *, timeout: float = 30.0) -> list[Backend]:
        def blocked() -> list[Backend] | None:
            sessions = backends_waiting_on_lock(
                postgres_server, test_database_name, application_name=WORKER_APPLICATION_NAME
            )
            return sessions if len(sessions) >= count else None

        return wait_until(blocked, timeout=timeout, interval=0.05, message=f"{count} worker session(s) on a lock")

    return wait


@pytest.fixture
def batch_ended() -> Callable[..., object]:
    """Wait until a batch is finalized; the batch as stored then."""
    from healthkit.models import AppleHealthImportBatch

    def wait(batch, *, timeout: float = 60.0):
        def finalized():
            stored = AppleHealthImportBatch.objects.get(pk=batch.pk)
            return stored if stored.finished_at else None

        return wait_until(finalized, timeout=timeout, interval=0.2, message=f"batch {batch.pk} to be finalized")

    return wait


@pytest.fixture
def queue_drained(sqs_client) -> Callable[..., None]:
    """Wait until a queue holds no message at all (none visible, none in flight)."""
    empty = {"ApproximateNumberOfMessages": 0, "ApproximateNumberOfMessagesNotVisible": 0}

    def wait(url: str, *, timeout: float = 30.0) -> None:
        wait_until(lambda: queue_depth(sqs_client, url) == empty, timeout=timeout, message=f"{url} to be empty")

    return wait


# --- users and API clients -----------------------------------------------------------------


@pytest.fixture
def user_factory(db) -> Callable[..., object]:
    from django.contrib.auth import get_user_model

    counter = iter(range(1, 1_000_000))

    def create(username: str | None = None):
        return get_user_model().objects.create_user(username=username or f"user{next(counter)}")

    return create


@pytest.fixture
def token_for(db) -> Callable[[object], str]:
    from rest_framework.authtoken.models import Token

    return lambda user: Token.objects.get_or_create(user=user)[0].key


@pytest.fixture
def api_client_for(token_for) -> Callable[[object], object]:
    """A DRF test client authenticated as `user` (Authorization: Token <key>)."""
    from rest_framework.test import APIClient

    def build(user):
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
        return client

    return build


@pytest.fixture
def user(user_factory):
    return user_factory("alice")


@pytest.fixture
def api_client(api_client_for, user):
    return api_client_for(user)


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item):
    """Before any fixture of a test: a current asyncio loop for Pulumi's mock runtime.

    App tests flush EMF metrics through ``asyncio.run()``, which leaves the main thread without
    one; Pulumi tests (and ``@pulumi.runtime.test``) would then fail to register resources.
    """
    ensure_event_loop()
