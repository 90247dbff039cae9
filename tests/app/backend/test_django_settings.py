"""Settings as a container loads them: a fresh interpreter with exactly the given environment."""

import json

from backend.env import CONFIGURATION_INVALID, MISSING_VARIABLES

from localservices.environment import PROD_REQUIRED_VARIABLES, contract_environment, process_environment
from localservices.processes import run_app_python

LOAD_SETTINGS = "import django; django.setup(); from django.conf import settings as s; print('loaded')"
DB = {"DB_HOST": "127.0.0.1", "DB_PORT": "5432", "DB_NAME": "healthkit", "DB_USER": "u", "DB_PASSWORD": "p"}
QUEUE_URL = "https://sqs.eu-west-1.amazonaws.com/123456789012/healthkit-prod-imports"


def _load(env: dict[str, str], code: str = LOAD_SETTINGS):
    return run_app_python(code, env=process_environment(env | {"DJANGO_SETTINGS_MODULE": "backend.settings"}))


def _prod_env(**overrides) -> dict[str, str]:
    env = contract_environment(db=DB, queue_url=QUEUE_URL, heartbeat_file="/tmp/hb", region="eu-west-1")
    return env | overrides


def test_prod_with_an_empty_environment_names_every_missing_variable_in_one_error():
    result = _load({"DJANGO_ENV": "prod"})
    assert result.returncode != 0
    expected = CONFIGURATION_INVALID.format(
        django_env="prod", problems=MISSING_VARIABLES.format(names=", ".join(PROD_REQUIRED_VARIABLES))
    )
    assert f"ImproperlyConfigured: {expected}" in result.stderr
    assert result.stderr.count("ImproperlyConfigured:") == 1


def test_dev_starts_with_no_variables_at_all():
    code = (
        "import django; django.setup(); from django.conf import settings as s; import json; "
        "print(json.dumps([s.DATABASES['default']['ENGINE'], s.CELERY_TASK_ALWAYS_EAGER, "
        "len(s.SECRET_KEY) > 50, s.DEBUG]))"
    )
    result = _load({}, code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == ["django.db.backends.sqlite3", True, True, True]


def test_prod_with_the_contract_variables_loads():
    result = _load(_prod_env())
    assert result.returncode == 0, result.stderr


def test_prod_celery_uses_the_predefined_sqs_queue_and_json_only():
    code = (
        "import django, json; django.setup(); from backend.celery import app; c = app.conf; "
        "print(json.dumps({k: c[k] for k in ['broker_url', 'broker_transport_options', 'task_acks_late', "
        "'task_reject_on_worker_lost', 'task_acks_on_failure_or_timeout', 'worker_prefetch_multiplier', "
        "'accept_content', 'task_serializer', 'result_serializer', 'task_time_limit', 'task_soft_time_limit', "
        "'worker_enable_remote_control', 'worker_send_task_events', 'worker_concurrency', "
        "'worker_soft_shutdown_timeout', 'task_always_eager', 'task_default_queue']}))"
    )
    result = _load(_prod_env(CELERY_TASK_TIME_LIMIT="600", CELERY_TASK_SOFT_TIME_LIMIT="540"), code)
    assert result.returncode == 0, result.stderr
    conf = json.loads(result.stdout)
    options = conf.pop("broker_transport_options")
    assert options["predefined_queues"] == {"apple-health-imports": {"url": QUEUE_URL}}
    assert (options["region"], options["wait_time_seconds"]) == ("eu-west-1", 20)
    assert options["polling_interval"] <= 0.1
    assert conf == {
        "broker_url": "sqs://",
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_acks_on_failure_or_timeout": False,
        "worker_prefetch_multiplier": 1,
        "accept_content": ["json"],
        "task_serializer": "json",
        "result_serializer": "json",
        "task_time_limit": 600,
        "task_soft_time_limit": 540,
        "worker_enable_remote_control": False,
        "worker_send_task_events": False,
        "worker_concurrency": 2,
        "worker_soft_shutdown_timeout": 5.0,
        "task_always_eager": False,
        "task_default_queue": "apple-health-imports",
    }


def test_a_soft_time_limit_not_below_the_hard_one_is_rejected():
    result = _load(_prod_env(CELERY_TASK_TIME_LIMIT="300", CELERY_TASK_SOFT_TIME_LIMIT="300"))
    assert result.returncode != 0
    assert "CELERY_TASK_SOFT_TIME_LIMIT (300) must be below CELERY_TASK_TIME_LIMIT (300)" in result.stderr


def test_the_export_task_takes_the_chunk_tasks_limits_and_may_not_outrun_the_queues_visibility():
    code = "import django; django.setup(); from django.conf import settings as s; " \
           "print(s.HEALTHKIT_EXPORT_TIME_LIMIT, s.HEALTHKIT_EXPORT_SOFT_TIME_LIMIT)"
    result = _load(_prod_env(CELERY_TASK_TIME_LIMIT="600", CELERY_TASK_SOFT_TIME_LIMIT="540"), code)
    assert (result.returncode, result.stdout.split()) == (0, ["600", "540"]), result.stderr

    longer = _load(_prod_env(CELERY_TASK_TIME_LIMIT="300", CELERY_TASK_SOFT_TIME_LIMIT="240", HEALTHKIT_EXPORT_TIME_LIMIT="3600"))
    assert longer.returncode != 0
    assert "HEALTHKIT_EXPORT_TIME_LIMIT (3600) must be at most CELERY_TASK_TIME_LIMIT (300)" in longer.stderr


def test_a_soft_shutdown_budget_not_below_the_containers_stop_timeout_is_rejected():
    result = _load(_prod_env(CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT="120"))
    assert result.returncode != 0
    assert "CELERY_WORKER_SOFT_SHUTDOWN_TIMEOUT (120) must be below the container's stopTimeout (120)" in result.stderr


def test_metrics_go_to_stdout_only():
    result = _load(_prod_env(AWS_EMF_ENVIRONMENT="EC2"))
    assert result.returncode != 0
    assert "AWS_EMF_ENVIRONMENT='EC2' is not one of Local" in result.stderr


def test_the_worker_logs_json_and_leaves_stdout_to_metric_lines():
    code = (
        "import django, json; django.setup(); from backend.celery import app; from django.conf import settings; "
        "print(json.dumps([app.conf.worker_hijack_root_logger, app.conf.worker_redirect_stdouts, "
        "settings.LOGGING['formatters']['json']['()']]))"
    )
    result = _load(_prod_env(), code)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == [False, False, "backend.jsonlog.JsonFormatter"]


def test_the_stack_is_named_by_healthkit_environment_and_defaults_to_the_django_mode():
    code = "import django; django.setup(); from django.conf import settings as s; print(s.HEALTHKIT_ENVIRONMENT)"
    named = _load(_prod_env(HEALTHKIT_ENVIRONMENT="staging"), code)
    unnamed = _load({key: value for key, value in _prod_env().items() if key != "HEALTHKIT_ENVIRONMENT"}, code)
    assert (named.stdout.strip(), unnamed.stdout.strip()) == ("staging", "prod")
