"""The stand-in for RDS: a PostgreSQL the rehearsal starts on 127.0.0.1 (the machine's binaries).

It serves TLS with a throw-away self-signed certificate, so the task definitions' ``DB_SSLMODE``
(``require`` in both stacks) works unchanged; the database and the login role are the ones the
stack asks for (the RDS instance's ``dbName`` and master ``username``), with a password the
rehearsal generates and stores in the emulated Secrets Manager secret the containers read.
"""

from __future__ import annotations

import datetime
import os
import pwd
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from localservices.postgres import PostgresServer

#: libpq modes that check the server certificate against a CA the rehearsal does not have.
VERIFYING_SSL_MODES = frozenset({"verify-ca", "verify-full"})


def _self_signed_certificate(directory: Path) -> tuple[Path, Path]:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "rehearsal-postgres")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=2))
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = directory / "server.crt", directory / "server.key"
    cert_path.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.TraditionalOpenSSL, serialization.NoEncryption()))
    key_path.chmod(0o600)
    return cert_path, key_path


@dataclass
class LocalDatabase:
    """A PostgreSQL server with TLS on; :meth:`ensure` creates a database and its owner."""

    server: PostgresServer
    ssl: bool = False
    databases: list[str] = field(default_factory=list)

    @property
    def host(self) -> str:
        return self.server.host

    @property
    def port(self) -> int:
        return self.server.port

    @property
    def version(self) -> str:
        return self.server.bindir.parent.name

    @classmethod
    def start(cls) -> LocalDatabase:
        database = cls(PostgresServer.start())
        try:
            database._enable_ssl()
        except BaseException:
            database.stop()
            raise
        return database

    def _enable_ssl(self) -> None:
        cert, key = _self_signed_certificate(self.server.base_dir)
        if self.server.os_user:
            entry = pwd.getpwnam(self.server.os_user)
            for path in (cert, key):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        for setting, value in (("ssl_cert_file", cert), ("ssl_key_file", key), ("ssl", "on")):
            self.server.execute(f"ALTER SYSTEM SET {setting} = '{value}'")
        self.server.execute("SELECT pg_reload_conf()")
        self.ssl = self.server.execute("SHOW ssl")[0][0] == "on"

    def ensure(self, *, name: str, user: str, password: str | None = None) -> str:
        """Create login role ``user`` (password given or generated) owning database ``name``;
        the password."""
        if user == self.server.user:  # the server's own superuser: keep the password it was made with
            password = self.server.password
        password = password or secrets.token_urlsafe(24)
        quoted_password = password.replace("'", "''")
        exists = self.server.execute(f"SELECT 1 FROM pg_roles WHERE rolname = '{user}'")
        verb = "ALTER" if exists else "CREATE"
        self.server.execute(f'{verb} ROLE "{user}" LOGIN PASSWORD \'{quoted_password}\'')
        if not self.server.execute(f"SELECT 1 FROM pg_database WHERE datname = '{name}'"):
            self.server.execute(f'CREATE DATABASE "{name}" OWNER "{user}"')
            self.databases.append(name)
        return password

    def log_tail(self, lines: int = 20) -> str:
        return self.server.log_tail(lines)

    def stop(self) -> None:
        self.server.stop()
