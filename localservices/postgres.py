"""A throw-away PostgreSQL server on 127.0.0.1, started from the machine's Debian binaries.

`postgres` runs in the foreground under mirakuru's executor (docs/app.md, "Tests"): started
once it accepts a connection (what `pg_ctl -w` waits for), stopped with a fast shutdown of its
process group, and killed at interpreter exit if a crash left it running. initdb and postgres
refuse to run as root: when the euid is 0, both run as the Debian `postgres` user (or a
dedicated system user created with useradd), in a data directory under /tmp that this user owns.

    server = PostgresServer.start()
    server.execute("SELECT 1")
    server.stop()
"""

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from mirakuru import TCPExecutor
from mirakuru.exceptions import AlreadyRunning, ProcessExitedWithError, TimeoutExpired

from localservices.ports import free_port

SUPERUSER = "healthkit"
PASSWORD = "healthkit-test-password"
FALLBACK_OS_USER = "healthkit-pg"
START_ATTEMPTS = 3
#: seconds the server has to accept connections (and, on stop, to shut down)
START_TIMEOUT = 60
# Commits are synchronous, as on RDS: a commit the server acknowledged survives a crash of
# PostgreSQL (the fault suite crashes it: `restart()`). fsync stays off, for speed: the WAL is
# written before the commit is acknowledged, only not forced to disk, so what is lost is what
# an OS crash would lose, which no test does.
SERVER_OPTIONS = (
    "-c", "fsync=off", "-c", "synchronous_commit=on", "-c", "full_page_writes=off",
    "-c", "max_connections=200", "-c", "shared_buffers=64MB",
)


class PostgresError(RuntimeError):
    pass


def pg_bindir() -> Path:
    """PG_BINDIR, else the newest /usr/lib/postgresql/*/bin, else `pg_config --bindir`."""
    if os.environ.get("PG_BINDIR"):
        return Path(os.environ["PG_BINDIR"])
    candidates = sorted(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"), key=lambda p: int(p.parent.parent.name))
    if candidates:
        return candidates[-1].parent
    pg_config = shutil.which("pg_config")
    if pg_config:
        return Path(subprocess.check_output([pg_config, "--bindir"], text=True).strip())
    raise PostgresError("PostgreSQL server binaries not found (apt-get install postgresql, or set PG_BINDIR)")


def _os_user_for_server() -> str | None:
    """None when not root; else a user postgres accepts to run as (created if needed)."""
    if os.geteuid() != 0:
        return None
    for name in ("postgres", FALLBACK_OS_USER):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    subprocess.run(
        ["useradd", "--system", "--no-create-home", "--shell", "/usr/sbin/nologin", FALLBACK_OS_USER],
        check=True,
        capture_output=True,
    )
    return FALLBACK_OS_USER


def _run_as(os_user: str | None) -> dict[str, Any]:
    """Popen arguments that run a command as `os_user` (nothing when it is None: this user)."""
    if os_user is None:
        return {}
    entry = pwd.getpwnam(os_user)
    return {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}


def _without_libpq_variables(env: dict[str, str]) -> dict[str, str]:
    return {key: value for key, value in env.items() if not key.startswith("PG")} | {"LC_ALL": "C"}


class _ServerExecutor(TCPExecutor):
    """`postgres` in the foreground; started once a client can connect, not merely the port open."""

    def __init__(self, server: "PostgresServer", log) -> None:
        command = [str(server.bindir / "postgres"), "-D", str(server.data_dir), "-h", server.host,
                   "-p", str(server.port), "-k", str(server.base_dir), *SERVER_OPTIONS]
        super().__init__(
            command, host=server.host, port=server.port, timeout=START_TIMEOUT, cwd=str(server.base_dir),
            stop_signal=signal.SIGINT,  # fast shutdown: sessions ended, exit status 0
            stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT, popen_kwargs=_run_as(server.os_user),
        )
        self.server = server

    @property
    def envvars(self) -> dict[str, str]:
        return _without_libpq_variables(super().envvars)

    def after_start_check(self) -> bool:
        import psycopg

        try:
            self.server.execute("SELECT 1")
        except psycopg.OperationalError:  # not listening yet, or "the database system is starting up"
            return False
        return True


@dataclass
class PostgresServer:
    bindir: Path
    base_dir: Path
    port: int
    os_user: str | None
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    password: str = PASSWORD
    _executor: _ServerExecutor | None = field(default=None, repr=False)
    _log: Any = field(default=None, repr=False)

    @property
    def data_dir(self) -> Path:
        return self.base_dir / "data"

    @property
    def log_file(self) -> Path:
        return self.base_dir / "server.log"

    @classmethod
    def start(cls, *, bindir: Path | None = None) -> "PostgresServer":
        """initdb in a fresh directory and start the server on a free port."""
        base_dir = Path(tempfile.mkdtemp(prefix="healthkit-pg-"))
        server = cls(bindir=bindir or pg_bindir(), base_dir=base_dir, port=0, os_user=_os_user_for_server())
        try:
            server._initdb()
            server._start_on_free_port()
        except BaseException:
            server.stop()
            raise
        return server

    def _initdb(self) -> None:
        password_file = self.base_dir / "password"
        password_file.write_text(self.password + "\n")
        if self.os_user:
            entry = pwd.getpwnam(self.os_user)
            for path in (self.base_dir, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        password_file.chmod(0o600)
        command = [
            str(self.bindir / "initdb"), "-D", str(self.data_dir), "-U", self.user, f"--pwfile={password_file}",
            "--auth-local=trust", "--auth-host=scram-sha-256", "--encoding=UTF8", "--no-locale", "--no-sync",
        ]
        result = subprocess.run(command, cwd=self.base_dir, env=_without_libpq_variables(dict(os.environ)),
                                capture_output=True, text=True, **_run_as(self.os_user))
        password_file.unlink()
        if result.returncode != 0:
            raise PostgresError(f"initdb failed ({result.returncode}): {result.stderr or result.stdout}")

    def _start_on_free_port(self) -> None:
        """Start on a free port; another one if that port was taken meanwhile (or the start failed)."""
        last_error = None
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            self._log = open(self.log_file, "ab")  # noqa: SIM115 - closed in stop()
            executor = _ServerExecutor(self, self._log)
            try:
                executor.start()
            except (AlreadyRunning, ProcessExitedWithError, TimeoutExpired) as error:
                executor.kill()
                self._log.close()
                last_error = self.log_tail() or str(error)
                continue
            self._executor = executor
            return
        raise PostgresError(f"PostgreSQL did not start: {last_error}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def restart(self) -> None:
        """A crash and its recovery: an immediate shutdown (SIGQUIT to the server's processes: no
        checkpoint, sessions cut), then a start on the same port, which replays the WAL."""
        self._executor.kill(sig=signal.SIGQUIT)
        executor = _ServerExecutor(self, self._log)
        executor.start()
        self._executor = executor

    def stop(self) -> None:
        """Stop the server (fast shutdown) and delete its directory."""
        if self._executor is not None:
            self._executor.stop()
            self._executor = None
        if self._log is not None:
            self._log.close()
        shutil.rmtree(self.base_dir, ignore_errors=True)

    # --- how clients reach it ---

    def conninfo(self, dbname: str = "postgres") -> str:
        return f"host={self.host} port={self.port} user={self.user} password={self.password} dbname={dbname}"

    def django_database(self, *, name: str) -> dict:
        """A Django DATABASES entry (pytest-django creates `test_<name>` from it)."""
        return {
            "ENGINE": "django.db.backends.postgresql",
            "HOST": self.host,
            "PORT": str(self.port),
            "NAME": name,
            "USER": self.user,
            "PASSWORD": self.password,
            "CONN_MAX_AGE": 0,
            "OPTIONS": {"connect_timeout": 5},
        }

    def db_environment(self, *, name: str) -> dict[str, str]:
        """The contract's DB_* variables for database `name`."""
        return {
            "DB_HOST": self.host,
            "DB_PORT": str(self.port),
            "DB_NAME": name,
            "DB_USER": self.user,
            "DB_PASSWORD": self.password,
        }

    def execute(self, sql: str, *, dbname: str = "postgres", autocommit: bool = True) -> list[tuple]:
        """Run one statement with psycopg on a new connection; return its rows (if any)."""
        import psycopg

        with psycopg.connect(self.conninfo(dbname), autocommit=autocommit) as conn:
            cursor = conn.execute(sql)
            return cursor.fetchall() if cursor.description else []
