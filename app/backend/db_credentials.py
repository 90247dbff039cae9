"""Database credentials read from Secrets Manager at connect time, cached, re-read on demand.

The secret is JSON with ``username`` and ``password`` keys: the RDS-managed master user secret,
or the secret of an existing database (docs/runtime-contract.md). RDS rotates the managed
password (every 7 days by default); a process that read it once at start would be locked out a
week later. :class:`SecretCredentials` keeps the last value it read and fetches the secret again
only when asked to (:meth:`SecretCredentials.refresh`, after the database refused the password),
so a running process follows a rotation with one extra ``GetSecretValue`` call.

Why not ``aws-secretsmanager-caching``: its cache refreshes on a timer and has no public way to
drop an entry when the database says the password is wrong, which is the one event that matters.
"""

from __future__ import annotations

import json
import threading
import time
from dataclasses import dataclass
from functools import cache

import boto3
from botocore.config import Config

SECRET_NOT_JSON = "database secret {arn} is not JSON with username and password keys"
SECRET_KEY_MISSING = "database secret {arn} has no {key!r} key"

# A connect must not hang on Secrets Manager: short timeouts, the SDK's standard retries.
_CLIENT_CONFIG = Config(connect_timeout=3, read_timeout=5, retries={"mode": "standard", "total_max_attempts": 3})


class CredentialsError(RuntimeError):
    """The secret could not be read or does not hold database credentials."""


@dataclass(frozen=True)
class Credentials:
    username: str
    password: str
    version_id: str = ""
    """The secret version the values came from (AWSCURRENT when read)."""

    def __repr__(self) -> str:  # never the password, not even in a traceback
        return f"Credentials(username={self.username!r}, version_id={self.version_id!r})"


def credentials_parse(arn: str, secret_string: str, version_id: str = "") -> Credentials:
    """The username and password of a secret's JSON string."""
    try:
        values = json.loads(secret_string)
    except ValueError:
        raise CredentialsError(SECRET_NOT_JSON.format(arn=arn)) from None
    if not isinstance(values, dict):
        raise CredentialsError(SECRET_NOT_JSON.format(arn=arn))
    for key in ("username", "password"):
        if not isinstance(values.get(key), str) or not values[key]:
            raise CredentialsError(SECRET_KEY_MISSING.format(arn=arn, key=key))
    return Credentials(values["username"], values["password"], version_id)


@cache
def _client(region: str):
    # AWS_ENDPOINT_URL_SECRETS_MANAGER / AWS_ENDPOINT_URL, when set, are honoured by boto3 (tests).
    return boto3.client("secretsmanager", region_name=region, config=_CLIENT_CONFIG)


class SecretCredentials:
    """The credentials of one secret, cached for the process; thread-safe."""

    def __init__(self, arn: str, region: str) -> None:
        self.arn = arn
        self.region = region
        self._lock = threading.Lock()
        self._current: Credentials | None = None
        self.reads = 0
        """How many times the secret was fetched (for logs and tests)."""
        self.read_at = 0.0
        """time.monotonic() of the last fetch."""

    def get(self) -> Credentials:
        """The cached credentials, fetched on first use."""
        with self._lock:
            if self._current is None:
                self._current = self._fetch()
            return self._current

    def refresh(self, rejected: Credentials) -> Credentials:
        """Fetch the secret again because the database rejected ``rejected``.

        When another thread already replaced ``rejected`` the newer value is returned without a
        call, so a burst of failed connects costs one fetch.
        """
        with self._lock:
            if self._current is not None and self._current != rejected:
                return self._current
            self._current = self._fetch()
            return self._current

    def _fetch(self) -> Credentials:
        try:
            answer = _client(self.region).get_secret_value(SecretId=self.arn)
        except Exception as exc:  # boto3 raises many kinds; one message naming the secret
            raise CredentialsError(f"cannot read database secret {self.arn}: {type(exc).__name__}: {exc}") from exc
        self.reads += 1
        self.read_at = time.monotonic()
        return credentials_parse(self.arn, answer.get("SecretString") or "", answer.get("VersionId", ""))


_registry: dict[tuple[str, str], SecretCredentials] = {}
_registry_lock = threading.Lock()


def secret_credentials(arn: str, region: str) -> SecretCredentials:
    """The process-wide cache of one secret (every connection of the process shares it)."""
    with _registry_lock:
        return _registry.setdefault((arn, region), SecretCredentials(arn, region))
