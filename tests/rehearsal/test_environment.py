"""rehearsal.environment: the task definition's environment plus only the local overrides."""

from pathlib import Path
from types import SimpleNamespace

from rehearsal.emulator import Credentials
from rehearsal.environment import local_overrides, process_environment

CREDENTIALS = Credentials("ASIAKEY", "secret", "token", "arn:aws:sts::123456789012:assumed-role/worker-role/s")
DATABASE = SimpleNamespace(host="127.0.0.1", port=55432, ssl=True)


def _container(**env) -> dict:
    return {"name": "worker", "environment": [{"name": k, "value": v} for k, v in env.items()]}


def _overrides(container: dict, port=None, database=DATABASE):
    return local_overrides(container, database=database, endpoint_url="http://127.0.0.1:5000",
                           credentials=CREDENTIALS, heartbeat_dir=Path("/state"), task="worker", local_port=port)


def test_database_location_is_overridden_only_where_the_task_sets_it():
    names = {o.name for o in _overrides(_container(DB_HOST="db.rds.amazonaws.com", DB_PORT="5432"))}
    assert {"DB_HOST", "DB_PORT"} <= names
    assert not {"DB_HOST", "DB_PORT", "DB_NAME"} & {o.name for o in _overrides(_container(DB_NAME="x"))}


def test_a_variable_the_task_lacks_is_not_added_back():
    names = {o.name for o in _overrides(_container(DJANGO_ENV="dev"))}
    assert names == {"AWS_ENDPOINT_URL_SQS", "AWS_ENDPOINT_URL", "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY",
                     "AWS_SESSION_TOKEN"}


def test_ssl_require_is_kept_and_verifying_modes_become_require():
    assert not [o for o in _overrides(_container(DB_SSLMODE="require")) if o.name == "DB_SSLMODE"]
    (override,) = [o for o in _overrides(_container(DB_SSLMODE="verify-full")) if o.name == "DB_SSLMODE"]
    assert (override.value, override.recorded) == ("require", "verify-full")


def test_the_port_mapping_is_served_on_a_local_port():
    container = _container() | {"portMappings": [{"containerPort": 8000}]}
    (bind,) = [o for o in _overrides(container, port=34567) if o.name == "GUNICORN_CMD_ARGS"]
    assert bind.value == "--bind 127.0.0.1:34567" and "containerPort 8000" in bind.reason


def test_overrides_win_and_secrets_are_set():
    container = _container(DB_HOST="db.rds.amazonaws.com", DJANGO_ENV="prod")
    env = process_environment(container, secrets={"DB_PASSWORD": "pw"}, overrides=_overrides(container))
    assert env["DB_HOST"] == "127.0.0.1" and env["DJANGO_ENV"] == "prod" and env["DB_PASSWORD"] == "pw"
    assert env["AWS_SESSION_TOKEN"] == "token" and env["AWS_CONFIG_FILE"].startswith("/nonexistent")


def test_secret_credentials_are_redacted_when_printed():
    lines = {o.name: o.line() for o in _overrides(_container())}
    assert "token" not in lines["AWS_SESSION_TOKEN"] and "<redacted>" in lines["AWS_SECRET_ACCESS_KEY"]
    assert lines["AWS_ACCESS_KEY_ID"].startswith("AWS_ACCESS_KEY_ID=ASIAKEY")
