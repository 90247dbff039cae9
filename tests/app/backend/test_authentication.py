"""Failed token authentication is throttled per client IP and per token prefix (429 + Retry-After)."""

import pytest
from rest_framework.test import APIClient

pytestmark = pytest.mark.django_db

SAMPLES = "/api/v1/samples"


@pytest.fixture
def low_limits(settings):
    settings.HEALTHKIT_AUTH_FAILURES_PER_IP = "3/minute"
    settings.HEALTHKIT_AUTH_FAILURES_PER_TOKEN_PREFIX = "5/minute"


def _get(token: str, *, ip: str = "203.0.113.7"):
    client = APIClient(REMOTE_ADDR=ip)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    return client.get(SAMPLES)


def _guess(i: int) -> str:
    return f"{i:08x}" + "0" * 32  # a different prefix each time


def test_guesses_from_one_ip_are_429_with_retry_after_once_over_the_limit(low_limits, user, token_for):
    statuses = [_get(_guess(i)).status_code for i in range(3)]
    refused = _get(_guess(99))
    assert statuses == [401, 401, 401]
    assert refused.status_code == 429
    assert 1 <= int(refused["Retry-After"]) <= 60
    assert refused.json()["errors"][0]["message"].startswith("Request was throttled")
    # the IP is refused whatever the token, until the window has room again
    assert _get(token_for(user)).status_code == 429
    assert _get(token_for(user), ip="198.51.100.1").status_code == 200


def test_guesses_at_one_token_prefix_from_many_ips_are_429(low_limits, user, token_for):
    prefix = token_for(user)[:8]
    statuses = [_get(prefix + f"{i:032x}", ip=f"192.0.2.{i}").status_code for i in range(5)]
    assert statuses == [401] * 5
    assert _get(prefix + "f" * 32, ip="192.0.2.200").status_code == 429
    assert _get(token_for(user), ip="192.0.2.201").status_code == 429  # the real token shares the prefix


def test_requests_without_a_token_count_nothing(low_limits, user, token_for):
    anonymous = [APIClient(REMOTE_ADDR="203.0.113.9").get(SAMPLES).status_code for _ in range(10)]
    assert set(anonymous) == {401}
    assert _get(token_for(user), ip="203.0.113.9").status_code == 200


def test_the_client_ip_is_the_one_the_load_balancer_saw(low_limits, settings, user, token_for):
    settings.REST_FRAMEWORK = settings.REST_FRAMEWORK | {"NUM_PROXIES": 1}
    for i in range(3):  # a guesser varying the X-Forwarded-For it writes itself
        client = APIClient(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR=f"198.18.0.{i}, 203.0.113.50")
        client.credentials(HTTP_AUTHORIZATION=f"Token {_guess(i)}")
        assert client.get(SAMPLES).status_code == 401
    other = APIClient(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="203.0.113.51")
    other.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    same = APIClient(REMOTE_ADDR="10.0.0.5", HTTP_X_FORWARDED_FOR="1.2.3.4, 203.0.113.50")
    same.credentials(HTTP_AUTHORIZATION=f"Token {token_for(user)}")
    assert (other.get(SAMPLES).status_code, same.get(SAMPLES).status_code) == (200, 429)
