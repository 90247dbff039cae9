from io import StringIO

import psycopg
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from healthkit.management.commands.migrate_locked import LOCK_TIMEOUT, MIGRATION_LOCK_KEY

pytestmark = pytest.mark.django_db(transaction=True)


def _lock_held_elsewhere(postgres_server):
    other = psycopg.connect(postgres_server.conninfo(connection.settings_dict["NAME"]), autocommit=True)
    other.execute("SELECT pg_advisory_lock(%s)", [MIGRATION_LOCK_KEY])
    return other


def test_it_migrates_when_the_lock_is_free():
    out = StringIO()
    call_command("migrate_locked", stdout=out, stderr=StringIO())
    assert "No migrations to apply." in out.getvalue()


def test_it_waits_for_the_lock_and_gives_up_after_the_timeout(postgres_server):
    holder = _lock_held_elsewhere(postgres_server)
    try:
        with pytest.raises(CommandError) as caught:
            call_command("migrate_locked", timeout=0.5, stdout=StringIO(), stderr=StringIO())
        assert str(caught.value) == LOCK_TIMEOUT.format(timeout=0.5)
    finally:
        holder.close()


def test_it_releases_the_lock_when_done(postgres_server):
    call_command("migrate_locked", stdout=StringIO(), stderr=StringIO())
    with psycopg.connect(postgres_server.conninfo(connection.settings_dict["NAME"]), autocommit=True) as other:
        assert other.execute("SELECT pg_try_advisory_lock(%s)", [MIGRATION_LOCK_KEY]).fetchone() == (True,)
