"""`python manage.py migrate_locked`: `migrate` inside a PostgreSQL advisory lock.

api tasks that start together (a deploy, a scale-out) each run this before serving; the
lock makes them take turns, and the later ones find nothing left to apply. On SQLite
(dev) it is a plain `migrate`.
"""

import hashlib
import time

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError
from django.db import DEFAULT_DB_ALIAS, connections

#: pg_advisory_lock key: the first 8 bytes of sha256("healthkit-fargate:migrate"), as a signed int64
MIGRATION_LOCK_KEY = int.from_bytes(hashlib.sha256(b"healthkit-fargate:migrate").digest()[:8], "big", signed=True)
LOCK_TIMEOUT = "could not take the migration lock within {timeout:g} s (another task is migrating?)"
LOCK_WAITING = "waiting for the migration lock (another task is migrating)"
POLL_INTERVAL = 1.0  # seconds


class Command(BaseCommand):
    help = "Run migrate inside a PostgreSQL advisory lock (plain migrate on other databases)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--database", default=DEFAULT_DB_ALIAS)
        parser.add_argument("--timeout", type=float, default=600.0, help="seconds to wait for the lock (600)")

    def handle(self, *args, database: str, timeout: float, **options) -> None:
        connection = connections[database]
        if connection.vendor != "postgresql":
            self._migrate(database, options["verbosity"])
            return
        self._lock(connection, timeout=timeout)
        try:
            self._migrate(database, options["verbosity"])
        finally:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_advisory_unlock(%s)", [MIGRATION_LOCK_KEY])

    def _migrate(self, database: str, verbosity: int) -> None:
        call_command(
            "migrate", database=database, interactive=False, verbosity=verbosity, stdout=self.stdout, stderr=self.stderr
        )

    def _lock(self, connection, *, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        waiting_said = False
        while True:
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
                if cursor.fetchone()[0]:
                    return
            if time.monotonic() >= deadline:
                raise CommandError(LOCK_TIMEOUT.format(timeout=timeout))
            if not waiting_said:
                self.stderr.write(LOCK_WAITING)
                waiting_said = True
            time.sleep(min(POLL_INTERVAL, max(0.0, deadline - time.monotonic())))
