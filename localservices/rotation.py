"""Rotating a PostgreSQL role's password as RDS rotates a managed master password.

RDS's rotation sets the new password on the database (the old one stops working at once) and
then makes the new secret version current; sessions opened with the old password keep running
until they end. :func:`role_password_rotate` does the database half, ending the role's sessions
too (the harder case: every process must reconnect); the caller puts the new value in the secret.
Used by the credential-rotation test and by the rehearsal's rotation step.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from localservices.postgres import PostgresServer

#: What PostgreSQL answers a login with a wrong password (SQLSTATE 28P01).
PASSWORD_REFUSED = "password authentication failed"


@dataclass(frozen=True)
class Rotation:
    role: str
    old_password: str
    new_password: str
    sessions_ended: int

    def __repr__(self) -> str:  # never the passwords
        return f"Rotation(role={self.role!r}, sessions_ended={self.sessions_ended})"


def role_password_rotate(server: PostgresServer, role: str, old_password: str) -> Rotation:
    """A new password for ``role``, its open sessions ended. When ``role`` is the server's own
    superuser, the server object keeps using the new password."""
    new_password = secrets.token_urlsafe(24)
    quoted_role = role.replace('"', '""')
    server.execute(f"ALTER ROLE \"{quoted_role}\" PASSWORD '{new_password}'")
    if role == server.user:
        server.password = new_password
    quoted = role.replace("'", "''")
    ended = server.execute(
        f"SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
        f"WHERE usename = '{quoted}' AND pid <> pg_backend_pid()")[0][0]
    return Rotation(role, old_password, new_password, int(ended))


def login_refused(server: PostgresServer, *, role: str, password: str, dbname: str, sslmode: str = "prefer") -> bool:
    """True when PostgreSQL refuses ``password`` for ``role`` (and says so)."""
    import psycopg

    try:
        psycopg.connect(host=server.host, port=server.port, dbname=dbname, user=role, password=password,
                        sslmode=sslmode, connect_timeout=5).close()
    except psycopg.OperationalError as error:
        return PASSWORD_REFUSED in str(error)
    return False
