"""create_api_token hands the token over without logging it: to a terminal, or to Secrets Manager."""

import os
import pty
from io import StringIO

import boto3
import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command
from healthkit.management.commands.create_api_token import NOT_A_TERMINAL
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    """Run the command with its stdout on a real terminal (a pty); what the terminal showed."""
    terminal, command_side = pty.openpty()
    with open(command_side, "w", closefd=True) as stdout:
        call_command("create_api_token", *args, stdout=stdout, stderr=StringIO())
    try:
        return os.read(terminal, 4096).decode().strip()
    finally:
        os.close(terminal)


def test_it_creates_the_user_and_prints_their_key_to_a_terminal():
    key = _run("ops-check")
    user = get_user_model().objects.get(username="ops-check")
    assert Token.objects.get(user=user).key == key
    assert not user.has_usable_password()


def test_it_refuses_to_print_the_key_anywhere_but_a_terminal():
    out = StringIO()  # a pipe, a file, a log driver
    with pytest.raises(CommandError, match="not a terminal"):
        call_command("create_api_token", "ops-check", stdout=out, stderr=StringIO())
    assert out.getvalue() == ""
    assert not get_user_model().objects.filter(username="ops-check").exists()
    assert "--secret-id" in NOT_A_TERMINAL


def test_running_it_again_prints_the_same_key_for_the_same_user():
    assert _run("ops-check") == _run("ops-check")
    assert get_user_model().objects.filter(username="ops-check").count() == 1


def test_rotate_replaces_the_key():
    old = _run("ops-check")
    new = _run("ops-check", "--rotate")
    assert new != old
    assert not Token.objects.filter(key=old).exists()


def test_the_printed_key_authenticates_api_calls(client):
    key = _run("ops-check")
    assert client.get("/api/v1/samples", HTTP_AUTHORIZATION=f"Token {key}").status_code == 200


def test_with_a_secret_id_the_key_goes_to_secrets_manager_and_not_to_the_output(moto_server, monkeypatch):
    environment = moto_server.client_environment()
    for name, value in environment.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("AWS_ENDPOINT_URL_SECRETS_MANAGER", moto_server.endpoint_url)
    secrets = boto3.client(
        "secretsmanager", endpoint_url=moto_server.endpoint_url, region_name=environment["AWS_REGION"]
    )
    secret_id = secrets.create_secret(Name="healthkit/api-token/ops-check")["ARN"]
    out = StringIO()
    call_command("create_api_token", "ops-check", "--secret-id", secret_id, stdout=out, stderr=StringIO())
    key = Token.objects.get(user__username="ops-check").key
    assert secrets.get_secret_value(SecretId=secret_id)["SecretString"] == key
    assert key not in out.getvalue()
    assert secret_id in out.getvalue()
