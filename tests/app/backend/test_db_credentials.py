"""The database secret's JSON: what is accepted, what is refused, and what is never printed."""

import pytest

from backend.db_credentials import SECRET_KEY_MISSING, SECRET_NOT_JSON, CredentialsError, credentials_parse
from backend.rotating_postgresql.base import is_authentication_failure

ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!db-1234-AbCdEf"


def test_the_username_and_password_of_an_rds_managed_secret_are_read():
    credentials = credentials_parse(ARN, '{"username": "healthkit", "password": "s3cr3t!"}', "v2")
    assert (credentials.username, credentials.password, credentials.version_id) == ("healthkit", "s3cr3t!", "v2")


def test_the_password_never_appears_in_the_credentials_repr():
    credentials = credentials_parse(ARN, '{"username": "healthkit", "password": "s3cr3t!"}')
    assert "s3cr3t!" not in repr(credentials)
    assert "s3cr3t!" not in str(credentials)


@pytest.mark.parametrize("secret_string", ["not json", "[]", '"a string"'])
def test_a_secret_that_is_not_a_json_object_is_refused_naming_the_secret(secret_string):
    with pytest.raises(CredentialsError) as raised:
        credentials_parse(ARN, secret_string)
    assert str(raised.value) == SECRET_NOT_JSON.format(arn=ARN)


@pytest.mark.parametrize(("secret_string", "key"), [
    ('{"password": "p"}', "username"),
    ('{"username": "u"}', "password"),
    ('{"username": "u", "password": ""}', "password"),
    ('{"username": 7, "password": "p"}', "username"),
])
def test_a_secret_without_username_or_password_is_refused_naming_the_key(secret_string, key):
    with pytest.raises(CredentialsError) as raised:
        credentials_parse(ARN, secret_string)
    assert str(raised.value) == SECRET_KEY_MISSING.format(arn=ARN, key=key)


def test_only_a_refused_password_counts_as_an_authentication_failure():
    refused = RuntimeError('connection failed: FATAL:  password authentication failed for user "healthkit"')
    unreachable = RuntimeError("connection failed: Connection refused")
    wrapped = RuntimeError("wrapped")
    wrapped.__cause__ = refused
    assert is_authentication_failure(refused)
    assert is_authentication_failure(wrapped)
    assert not is_authentication_failure(unreachable)
