"""Bulk statements on PostgreSQL: binary COPY, and one binary array parameter per column, bound on the server.

Django's bulk_create and bulk_update quote every value into the SQL text on the client
(psycopg's client-side binding): for a chunk of 1000 rows of 27 columns that dominated the
chunk's time. Here rows travel as binary COPY (new rows, their ids allocated first) or as one
array per column (`unnest`: loads and updates); bench/README.md has the figures. Elsewhere
(SQLite in dev) the callers use Django's bulk methods.
"""

import json
from collections.abc import Sequence

import orjson
import psycopg
from django.db import connection
from psycopg.types.json import set_json_dumps


def json_bytes(value) -> bytes:
    """JSON for a jsonb value: orjson, or the standard library for what orjson cannot write (integers past 64 bits)."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False).encode()


def _cursor() -> psycopg.Cursor:
    """A server-binding cursor on Django's connection (Django's own cursors quote values into the SQL)."""
    connection.ensure_connection()
    cursor = psycopg.Cursor(connection.connection)
    set_json_dumps(json_bytes, cursor)
    return cursor


def server_bound_fetchall(sql: str, params: Sequence | dict) -> list:
    """Run one statement with server-side binding; its rows ([] for none)."""
    with connection.wrap_database_errors, _cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def _quoted(names) -> str:
    return ", ".join(connection.ops.quote_name(name) for name in names)


def _arrays(columns: Sequence[tuple[str, str]], rows: Sequence[Sequence]) -> list[list]:
    arrays = [list(column) for column in zip(*rows, strict=True)]
    for position, (_, kind) in enumerate(columns):
        if kind == "jsonb":
            arrays[position] = [None if item is None else json_bytes(item).decode() for item in arrays[position]]
    return arrays


def models_insert(objects: Sequence) -> None:
    """INSERT model instances (one model, primary keys set) in one server-bound statement, as bulk_create would.

    For few rows with large values (a chunk's payload): client-side binding would quote them into the SQL.
    """
    if not objects:
        return
    meta = objects[0]._meta
    fields = meta.concrete_fields
    params = [field.get_db_prep_save(field.pre_save(obj, True), connection) for obj in objects for field in fields]
    row = f"({', '.join(['%s'] * len(fields))})"
    sql = f"INSERT INTO {connection.ops.quote_name(meta.db_table)} ({_quoted(f.column for f in fields)}) VALUES {', '.join([row] * len(objects))}"
    server_bound_fetchall(sql, params)
    for obj in objects:
        obj._state.adding, obj._state.db = False, connection.alias


def unnest_update(table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence]) -> None:
    """UPDATE table rows by id: the first column is `id`, the others the values to set; one statement."""
    if not rows:
        return
    names = [name for name, _ in columns]
    sources = ", ".join(f"%b::{kind}[]" for _, kind in columns)
    targets = _quoted(names[1:])
    values = ", ".join(f"v.{connection.ops.quote_name(name)}" for name in names[1:])
    sql = (
        f"UPDATE {connection.ops.quote_name(table)} AS t SET ({targets}) = ROW({values}) "
        f"FROM unnest({sources}) AS v({_quoted(names)}) WHERE t.id = v.id"
    )
    server_bound_fetchall(sql, _arrays(columns, rows))


#: the name of each table's id sequence, looked up once per process (a name, not an oid: a
#: migration that makes the table again makes a new sequence of the same name)
_SEQUENCES: dict[str, str] = {}


def _sequence(table: str) -> str:
    if table not in _SEQUENCES:
        [(name,)] = server_bound_fetchall("SELECT pg_get_serial_sequence(%s, 'id')", [table])
        _SEQUENCES[table] = name
    return _SEQUENCES[table]


def ids_allocate(table: str, count: int) -> list[int]:
    """`count` new ids from the table's id sequence, ascending."""
    if count == 0:
        return []
    sql = "SELECT nextval(%s::regclass) FROM generate_series(1, %s) ORDER BY 1"
    return [row[0] for row in server_bound_fetchall(sql, [_sequence(table), count])]


def copy_rows(table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence]) -> None:
    """COPY rows into table (binary): uuid columns take uuid.UUID values, jsonb columns objects."""
    if not rows:
        return
    statement = f"COPY {connection.ops.quote_name(table)} ({_quoted(name for name, _ in columns)}) FROM STDIN (FORMAT BINARY)"
    with connection.wrap_database_errors, _cursor() as cursor, cursor.copy(statement) as copy:
        copy.set_types([kind for _, kind in columns])
        for row in rows:
            copy.write_row(row)
