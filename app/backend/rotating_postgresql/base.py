"""Django's PostgreSQL backend, with credentials read from Secrets Manager at connect time.

``DATABASES["default"]`` names the secret with ``SECRET_ARN`` (in the region ``AWS_REGION``); USER
and PASSWORD are not used. Each new connection takes the process's cached credentials
(:mod:`backend.db_credentials`). When PostgreSQL answers that the password is wrong (SQLSTATE
28P01, "password authentication failed": the secret was rotated since it was read), the secret
is read again once and the connection retried with the new value; a second refusal is raised
as it came, and ``/readyz`` reports it as an authentication failure.

Open connections are not affected by a rotation (PostgreSQL checks the password only when a
session starts); ``CONN_HEALTH_CHECKS`` replaces one that was terminated.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.db.backends.postgresql import base as postgresql

from backend.db_credentials import Credentials, secret_credentials

logger = logging.getLogger(__name__)

#: SQLSTATE invalid_password, and the server's message for it (libpq reports connection
#: failures without a SQLSTATE, so the message is what identifies it).
INVALID_PASSWORD_SQLSTATE = "28P01"
INVALID_PASSWORD_MESSAGE = "password authentication failed"


def is_authentication_failure(error: BaseException) -> bool:
    """True when ``error`` (or its cause) is PostgreSQL refusing the password."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if getattr(error, "sqlstate", None) == INVALID_PASSWORD_SQLSTATE:
            return True
        if INVALID_PASSWORD_MESSAGE in str(error):
            return True
        error = error.__cause__ or error.__context__
    return False


class DatabaseWrapper(postgresql.DatabaseWrapper):
    """PostgreSQL with USER/PASSWORD from the secret ``SECRET_ARN``, re-read after a rotation."""

    def _secret(self):
        return secret_credentials(self.settings_dict["SECRET_ARN"], settings.AWS_REGION)

    def get_new_connection(self, conn_params):
        secret = self._secret()
        credentials = secret.get()
        try:
            return super().get_new_connection(_with(conn_params, credentials))
        except self.Database.OperationalError as error:
            if not is_authentication_failure(error):
                raise
            fresh = secret.refresh(credentials)
            if fresh == credentials:
                raise  # the secret still holds the refused password: nothing to retry with
            logger.warning("database password refused; secret %s read again (version %s), reconnecting",
                           secret.arn, fresh.version_id or "?")
            return super().get_new_connection(_with(conn_params, fresh))


def _with(conn_params: dict, credentials: Credentials) -> dict:
    return {**conn_params, "user": credentials.username, "password": credentials.password}
