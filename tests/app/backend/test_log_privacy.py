"""No health data in the logs: PostgreSQL's errors quote the statement, the failing row and the
JSON being parsed (LINE, DETAIL, CONTEXT); a request's query string may hold a token."""

import json
import logging
import sys
from datetime import UTC, datetime

import pytest
from backend.jsonlog import JsonFormatter
from django.db import DatabaseError, connection, transaction
from django.test import RequestFactory
from healthkit.models import HealthSample

SECRET_VALUE = "Zoe-private-reading-172"


def _line(message: str, *, exc_info=None, extra=None) -> str:
    record = logging.getLogger("django.request").makeRecord(
        "django.request", logging.ERROR, __file__, 1, message, (), exc_info, extra=extra
    )
    return JsonFormatter().format(record)


def _database_error(statement) -> tuple:
    try:
        with transaction.atomic():
            statement()
    except DatabaseError:
        return sys.exc_info()
    raise AssertionError("the statement did not fail")


def _jsonb_with_nul() -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT %s::jsonb", [json.dumps({"note": SECRET_VALUE + "\u0000"})])


def _row_violating_a_check(user) -> None:
    HealthSample.objects.create(
        owner=user,
        type="HKQuantityTypeIdentifierHeartRate",
        value=72,
        start_at=datetime(2024, 3, 10, 10, tzinfo=UTC),
        end_at=datetime(2024, 3, 10, 9, tzinfo=UTC),
        source_name=SECRET_VALUE,
        source_bundle_id="b",
        fingerprint="f",
        change_id=1,
    )


@pytest.mark.django_db
@pytest.mark.parametrize("statement", ["jsonb with a NUL", "a row violating a check constraint"])
def test_a_database_error_is_logged_without_the_data_it_quotes(user, statement):
    make = _jsonb_with_nul if statement == "jsonb with a NUL" else (lambda: _row_violating_a_check(user))
    exc_info = _database_error(make)
    assert SECRET_VALUE in str(exc_info[1])  # PostgreSQL does quote it
    line = json.loads(_line(f"failed: {exc_info[1]}", exc_info=exc_info))
    assert SECRET_VALUE not in json.dumps(line)
    assert type(exc_info[1]).__name__ in line["exception"]  # the error itself is still there


def test_a_request_given_as_extra_is_logged_without_its_query_string():
    request = RequestFactory().get("/api/v1/samples", {"token": "0123456789abcdef"})
    line = json.loads(_line("Not Found: /api/v1/samples", extra={"request": request, "status_code": 404}))
    assert line["request"] == "GET /api/v1/samples"
    assert "0123456789abcdef" not in json.dumps(line)
