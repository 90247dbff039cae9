from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from rest_framework.authtoken.models import Token

pytestmark = pytest.mark.django_db


def _run(*args) -> str:
    out = StringIO()
    call_command("create_api_token", *args, stdout=out, stderr=StringIO())
    return out.getvalue().strip()


def test_it_creates_the_user_and_prints_their_key():
    key = _run("ops-check")
    user = get_user_model().objects.get(username="ops-check")
    assert Token.objects.get(user=user).key == key
    assert not user.has_usable_password()


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
