"""Issue 15. A chunk's payload is `text`, not `jsonb`: it holds exactly the bytes the api wrote
(healthkit.chunk_payload), so the worker verifies their MAC as it reads them and parses them once,
instead of the server converting jsonb to text and the worker serializing the items again to
check a MAC over a canonical form; the api's INSERT no longer pays jsonb's parsing either.

PostgreSQL: `ALTER COLUMN payload TYPE text USING payload::text` (Django writes the USING). It
rewrites the table under an ACCESS EXCLUSIVE lock: the chunks table holds the payloads of chunks
not yet succeeded (and of those kept by HEALTHKIT_CHUNK_PAYLOAD_RETENTION_DAYS); succeeded ones
hold `[]`. Existing payloads become jsonb's text form, whose MACs (made over a canonical form,
salt `v2`) do not verify under the new salt: those chunks are validated again and import as
before, only slower. Reversing it (`USING payload::jsonb`) works: every payload is JSON text, the
emptied one included (`[]`), and validation refuses the NUL character that jsonb refuses.

Rollouts, verified by tests/app/healthkit/test_chunk_payload_text.py on PostgreSQL: code from
before this migration (old tasks during a rollout, or a rollback) still works on the text column.
It writes payloads as jsonb-typed parameters (psycopg's Jsonb, bound on the server), which
PostgreSQL assigns to a text column by its automatic I/O conversion cast (casts to string types
are assignment casts): its INSERTs and its emptying UPDATEs succeed. It reads the payload through
`Cast(payload, TextField())` (text to text) and through Django's JSONField, which parses the text
it is given. New code on the old jsonb column (a migration applied after the code) works too:
psycopg sends Python strings untyped, so jsonb parses them, and Django reads jsonb as text.
SQLite (dev) stores both as text.
"""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ("healthkit", "0008_compacted_changes_feed"),
    ]

    operations = [
        migrations.AlterField(
            model_name="applehealthimportchunk",
            name="payload",
            field=models.TextField(),
        ),
    ]
