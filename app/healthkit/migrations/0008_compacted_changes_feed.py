"""The changes feed compacted: a stored row is its own feed entry (HealthSample.change_id).

Each row gets as change_id the id of its latest `upsert` entry (a row without one, a new id from
the feed's sequence), so a reader's cursor keeps its meaning: what it read up to an id stays read.
The old entries stay (expand only): code from before this migration, during a rollout or after a
rollback, still writes and reads them, and the new reader serves them too (healthkit.selectors).
On PostgreSQL the column defaults to the feed's sequence, so that the old code's inserts get an id.

Its cost grows with the sample table: the UPDATE writes every row once, and the NOT NULL check
and the new index read it all, holding a lock that blocks the chunks' writes meanwhile. Fine
for a young deployment; on one with hundreds of millions of samples, run it in a maintenance
window with the workers scaled to 0 (and `migrate_locked --timeout` and the api's
`healthCheckGracePeriodSeconds` raised to cover it).
"""

from django.db import migrations, models

FEED = "healthkit_healthsamplechange"
SAMPLES = "healthkit_healthsample"


def _postgresql(schema_editor) -> None:
    sequence = f"pg_get_serial_sequence('{FEED}', 'id')"
    schema_editor.execute(
        f"UPDATE {SAMPLES} AS s SET change_id = latest.id "
        f"FROM (SELECT sample_id, max(id) AS id FROM {FEED} WHERE kind = 'upsert' GROUP BY sample_id) AS latest "
        "WHERE s.id = latest.sample_id"
    )
    schema_editor.execute(
        f"UPDATE {SAMPLES} AS s SET change_id = numbered.change_id FROM "
        f"(SELECT id, nextval({sequence}) AS change_id FROM (SELECT id FROM {SAMPLES} WHERE change_id IS NULL ORDER BY id) AS rows) AS numbered "
        "WHERE s.id = numbered.id"
    )


def _sqlite(apps, schema_editor) -> None:
    """SQLite (dev): the same, row by row, the new ids past the AUTOINCREMENT counter (moved on after)."""
    Sample = apps.get_model("healthkit", "HealthSample")
    Change = apps.get_model("healthkit", "HealthSampleChange")
    latest = dict(
        Change.objects.filter(kind="upsert").values("sample_id").annotate(last=models.Max("id")).values_list("sample_id", "last")
    )
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT seq FROM sqlite_sequence WHERE name = %s", [FEED])
        counter = (cursor.fetchone() or (0,))[0]
        last = max(counter, Change.objects.aggregate(top=models.Max("id"))["top"] or 0)
        for sample_id in Sample.objects.order_by("id").values_list("id", flat=True):
            if sample_id not in latest:
                last += 1
            Sample.objects.filter(id=sample_id).update(change_id=latest.get(sample_id, last))
        cursor.execute("DELETE FROM sqlite_sequence WHERE name = %s", [FEED])
        cursor.execute("INSERT INTO sqlite_sequence (name, seq) VALUES (%s, %s)", [FEED, last])


def change_ids_assign(apps, schema_editor) -> None:
    if schema_editor.connection.vendor == "postgresql":
        _postgresql(schema_editor)
    else:
        _sqlite(apps, schema_editor)


def default_to_feed_sequence(apps, schema_editor) -> None:
    """The sequence named in the default (a regclass constant), not looked up again for each row."""
    if schema_editor.connection.vendor == "postgresql":
        with schema_editor.connection.cursor() as cursor:
            cursor.execute("SELECT pg_get_serial_sequence(%s, 'id')", [FEED])
            (sequence,) = cursor.fetchone()
        schema_editor.execute(f"ALTER TABLE {SAMPLES} ALTER COLUMN change_id SET DEFAULT nextval('{sequence}'::regclass)")


class Migration(migrations.Migration):
    dependencies = [("healthkit", "0007_exports")]

    operations = [
        migrations.AddField(model_name="healthsample", name="change_id", field=models.BigIntegerField(null=True)),
        migrations.RunPython(change_ids_assign, migrations.RunPython.noop),
        migrations.AlterField(model_name="healthsample", name="change_id", field=models.BigIntegerField()),
        migrations.RunPython(default_to_feed_sequence, migrations.RunPython.noop),
        migrations.AddIndex(
            model_name="healthsample",
            index=models.Index(fields=["owner", "change_id"], name="healthkit_sample_owner_change"),
        ),
    ]
