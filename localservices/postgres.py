"""A throw-away PostgreSQL server on 127.0.0.1, started from the machine's Debian binaries.

initdb and postgres refuse to run as root: when the euid is 0, they run through
`runuser -u <user> --` as the Debian `postgres` user (or a dedicated system user created
with useradd), in a data directory under /tmp that this user owns.

    server = PostgresServer.start()
    server.execute("SELECT 1")
    server.stop()
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from localservices.ports import free_port

SUPERUSER = "healthkit"
PASSWORD = "healthkit-test-password"
FALLBACK_OS_USER = "healthkit-pg"
START_ATTEMPTS = 3
# Commits are synchronous, as on RDS: a commit the server acknowledged survives a crash of
# PostgreSQL (an immediate restart: the fault suite does that). fsync stays off, for speed:
# the WAL is written before the commit is acknowledged, only not forced to disk, so what is
# lost is what an OS crash would lose, which no test does.
SERVER_OPTIONS = (
    "-c fsync=off -c synchronous_commit=on -c full_page_writes=off -c max_connections=200 -c shared_buffers=64MB"
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


def _clean_env() -> dict[str, str]:
    env = {key: value for key, value in os.environ.items() if not key.startswith("PG")}
    env["LC_ALL"] = "C"
    return env


@dataclass
class PostgresServer:
    bindir: Path
    base_dir: Path
    port: int
    os_user: str | None
    host: str = "127.0.0.1"
    user: str = SUPERUSER
    password: str = PASSWORD
    _running: bool = field(default=False, repr=False)

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

    def _run(self, args: list[str], *, check: bool = True) -> subprocess.CompletedProcess:
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.os_user:
            command = ["runuser", "-u", self.os_user, "--", *command]
        result = subprocess.run(command, cwd=self.base_dir, env=_clean_env(), capture_output=True, text=True)
        if check and result.returncode != 0:
            raise PostgresError(f"{' '.join(args[:2])} failed ({result.returncode}): {result.stderr or result.stdout}")
        return result

    def _initdb(self) -> None:
        password_file = self.base_dir / "password"
        password_file.write_text(self.password + "\n")
        if self.os_user:
            entry = pwd.getpwnam(self.os_user)
            for path in (self.base_dir, password_file):
                os.chown(path, entry.pw_uid, entry.pw_gid)
        password_file.chmod(0o600)
        self._run(
            [
                "initdb",
                "-D",
                str(self.data_dir),
                "-U",
                self.user,
                f"--pwfile={password_file}",
                "--auth-local=trust",
                "--auth-host=scram-sha-256",
                "--encoding=UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        password_file.unlink()

    def _start_on_free_port(self) -> None:
        last_error = None
        for _ in range(START_ATTEMPTS):
            self.port = free_port()
            options = f"-h {self.host} -p {self.port} -k {self.base_dir} {SERVER_OPTIONS}"
            result = self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(self.log_file),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ],
                check=False,
            )
            if result.returncode == 0:
                self._running = True
                return
            last_error = self.log_tail() or result.stderr
        raise PostgresError(f"PostgreSQL did not start: {last_error}")

    def log_tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except FileNotFoundError:
            return ""

    def restart(self, *, mode: str = "immediate") -> None:
        """Restart on the same port; `immediate` is a crash: no checkpoint, recovery from the WAL at start."""
        self._run(["pg_ctl", "-D", str(self.data_dir), "-l", str(self.log_file), "-m", mode, "-w", "-t", "60", "restart"])

    def stop(self) -> None:
        """Stop the server (immediate mode) and delete its directory."""
        if self._running:
            self._run(["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "stop"], check=False)
            self._running = False
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
