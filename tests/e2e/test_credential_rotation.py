"""The database password rotates while the api and the worker run; a sync still completes.

Real parts: the session's PostgreSQL, Secrets Manager and SQS on the moto server, `gunicorn` and
`celery worker` with the contract environment naming the database secret (DB_SECRET_ARN) instead
of DB_USER/DB_PASSWORD. The rotation is what RDS does: the role's password changes in PostgreSQL,
the old one stops working, open sessions are terminated, the secret gets the new value.
"""

import json
import secrets
import uuid

import boto3
import pytest
import requests

from backend.readiness import DATABASE_AUTH_FAILED

from localservices.api import ApiClient
from localservices.rotation import login_refused, role_password_rotate
from localservices.samples import heart_rate_samples
from localservices.sqs import ACCESS_KEY_ID, REGION, SECRET_ACCESS_KEY, queue_depth

pytestmark = pytest.mark.django_db(transaction=True)

CHUNK_SIZE = 10
RE_READ = "database password refused; secret"


class RotatingRole:
    """A login role of the test database whose credentials live in a Secrets Manager secret."""

    def __init__(self, server, database: str, secrets_client) -> None:
        self.server = server
        self.database = database
        self.client = secrets_client
        self.name = f"app_{uuid.uuid4().hex[:8]}"
        self.password = secrets.token_urlsafe(18)
        server.execute(f"CREATE ROLE {self.name} LOGIN PASSWORD '{self.password}'")
        for grant in (f"GRANT ALL ON ALL TABLES IN SCHEMA public TO {self.name}",
                      f"GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO {self.name}"):
            server.execute(grant, dbname=database)
        self.arn = secrets_client.create_secret(
            Name=f"healthkit-test/{self.name}", SecretString=self._secret_string())["ARN"]

    def _secret_string(self) -> str:
        return json.dumps({"username": self.name, "password": self.password, "engine": "postgres"})

    def rotate(self, *, update_secret: bool = True) -> str:
        """As RDS rotates: the new password in PostgreSQL, sessions ended, then the secret; the old one."""
        rotation = role_password_rotate(self.server, self.name, self.password)
        self.password = rotation.new_password
        if update_secret:
            self.client.put_secret_value(SecretId=self.arn, SecretString=self._secret_string())
        return rotation.old_password

    def login_refused(self, password: str) -> bool:
        return login_refused(self.server, role=self.name, password=password, dbname=self.database)

    def sessions(self) -> int:
        rows = self.server.execute(f"SELECT count(*) FROM pg_stat_activity WHERE usename = '{self.name}'")
        return rows[0][0]


@pytest.fixture
def role(postgres_server, moto_server, test_database_name) -> RotatingRole:
    client = boto3.client("secretsmanager", endpoint_url=moto_server.endpoint_url, region_name=REGION,
                          aws_access_key_id=ACCESS_KEY_ID, aws_secret_access_key=SECRET_ACCESS_KEY)
    return RotatingRole(postgres_server, test_database_name, client)


@pytest.fixture
def stack(role, moto_server, app_env_factory, sqs_queue_factory, celery_worker_factory, gunicorn_factory):
    """api and worker reading the database credentials from the secret, not from DB_USER/DB_PASSWORD."""
    queue = sqs_queue_factory(task_time_limit=60)
    env = app_env_factory(queue, chunk_size=CHUNK_SIZE)
    del env["DB_USER"], env["DB_PASSWORD"]
    env |= {"DB_SECRET_ARN": role.arn, "AWS_ENDPOINT_URL_SECRETS_MANAGER": moto_server.endpoint_url}
    worker = celery_worker_factory(env)
    server = gunicorn_factory(env)
    return queue, worker, server


def _sync(api: ApiClient, samples: list[dict]) -> dict:
    created = api.import_post(samples)
    assert created.status_code == 202, created.text
    return api.import_wait(created.json()["id"], timeout=90)


def test_a_sync_completes_after_the_password_rotates_under_the_running_api_and_worker(
    role, stack, user, token_for, sqs_client
):
    queue, worker, server = stack
    api = ApiClient(server.base_url, token_for(user))
    before = _sync(api, heart_rate_samples(25))
    assert (before["status"], before["records_created"]) == ("completed", 25)
    assert role.sessions() >= 1  # the api and the worker hold connections as the rotating role

    old_password = role.rotate()
    assert role.login_refused(old_password)
    assert role.sessions() == 0

    samples = heart_rate_samples(60, start=1000)
    created = api.import_post(samples)
    assert created.status_code == 202, created.text
    after = api.import_wait(created.json()["id"], timeout=90)
    assert (after["status"], after["chunks_total"], after["chunks_succeeded"], after["chunks_failed"]) == (
        "completed", 6, 6, 0)
    assert (after["records_created"], after["records_duplicate"]) == (60, 0)
    assert len(api.samples(page_size=100)) == 85
    ready = requests.get(f"{server.base_url}/readyz", timeout=10)
    assert ready.status_code == 200, ready.text
    assert queue_depth(sqs_client, queue.url) == {"ApproximateNumberOfMessages": 0,
                                                  "ApproximateNumberOfMessagesNotVisible": 0}
    assert queue_depth(sqs_client, queue.dlq_url)["ApproximateNumberOfMessages"] == 0
    # both processes followed the rotation by reading the secret again, not by luck
    assert RE_READ in server.process.log_text()
    assert RE_READ in worker.log_text()


def test_readyz_reports_an_authentication_failure_when_the_secret_lags_the_database(role, stack):
    _, _, server = stack
    assert requests.get(f"{server.base_url}/readyz", timeout=10).status_code == 200
    role.rotate(update_secret=False)  # the database changed, the secret did not (a rotation half done)
    ready = requests.get(f"{server.base_url}/readyz", timeout=15)
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == DATABASE_AUTH_FAILED
    assert ready.json()["checks"]["queue"] == "ok"
