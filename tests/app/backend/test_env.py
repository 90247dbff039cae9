import pytest
from backend.env import CONFIGURATION_INVALID, INVALID_VARIABLE, MISSING_VARIABLES, Env
from django.core.exceptions import ImproperlyConfigured


def _env(**values) -> Env:
    return Env(source=values.get)


def test_every_missing_required_variable_is_named_in_one_error():
    env = _env()
    env.string("A_SECRET", required=True)
    env.string("B_HOST", required=True)
    env.csv("C_HOSTS", required=True)
    with pytest.raises(ImproperlyConfigured) as caught:
        env.check(django_env="prod")
    assert str(caught.value) == CONFIGURATION_INVALID.format(
        django_env="prod", problems=MISSING_VARIABLES.format(names="A_SECRET, B_HOST, C_HOSTS")
    )


def test_an_empty_value_counts_as_missing():
    env = _env(A_SECRET="  ")
    env.string("A_SECRET", required=True)
    assert env.missing == ["A_SECRET"]


def test_an_optional_variable_takes_its_default():
    env = _env()
    assert env.string("DB_SSLMODE", default="prefer") == "prefer"
    assert env.integer("DB_PORT", default=5432) == 5432
    env.check(django_env="dev")


def test_a_value_that_does_not_parse_is_reported_with_the_missing_ones():
    env = _env(CELERY_TASK_TIME_LIMIT="five minutes")
    env.integer("CELERY_TASK_TIME_LIMIT", default=300)
    env.string("DB_HOST", required=True)
    with pytest.raises(ImproperlyConfigured) as caught:
        env.check(django_env="prod")
    message = str(caught.value)
    assert MISSING_VARIABLES.format(names="DB_HOST") in message
    assert (
        INVALID_VARIABLE.format(name="CELERY_TASK_TIME_LIMIT", value="five minutes", expected="an integer") in message
    )


def test_a_number_below_its_minimum_is_invalid():
    env = _env(CELERY_WORKER_CONCURRENCY="0")
    assert env.integer("CELERY_WORKER_CONCURRENCY", default=2, minimum=1) == 2
    assert env.problems == [
        INVALID_VARIABLE.format(name="CELERY_WORKER_CONCURRENCY", value="0", expected="an integer >= 1")
    ]


def test_a_csv_is_split_and_stripped():
    assert _env(HOSTS=" a.example.com, ,b.example.com ").csv("HOSTS") == ["a.example.com", "b.example.com"]


def test_a_choice_outside_its_choices_is_invalid():
    env = _env(DJANGO_ENV="production")
    assert env.choice("DJANGO_ENV", default="dev", choices=("dev", "prod")) == "dev"
    assert env.problems == [INVALID_VARIABLE.format(name="DJANGO_ENV", value="production", expected="one of dev, prod")]
