"""Bulk INSERTs on PostgreSQL: one binary array parameter per column, bound on the server, `unnest`ed.

Django's bulk_create quotes every value into the SQL text on the client (psycopg's client-side
binding): for a chunk of 1000 rows of 27 columns that dominated the chunk's time. Here each
column travels as one array (a few parameters whatever the row count); bench/README.md has the
figures. Elsewhere (SQLite in dev) the callers use bulk_create.
"""

import json
from collections.abc import Sequence

import psycopg
from django.db import connection


def _server_bound_fetchall(sql: str, params: list) -> list:
    """Run one statement with server-side binding (Django's cursors quote values into the SQL)."""
    connection.ensure_connection()
    with connection.wrap_database_errors, psycopg.Cursor(connection.connection) as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if cursor.description else []


def unnest_insert(
    table: str, columns: Sequence[tuple[str, str]], rows: Sequence[Sequence], *, returning: str = ""
) -> list:
    """INSERT INTO table (columns) SELECT * FROM unnest(one array per column); jsonb columns given as objects."""
    if not rows:
        return []
    arrays = [list(column) for column in zip(*rows, strict=True)]
    for position, (_, kind) in enumerate(columns):
        if kind == "jsonb":
            arrays[position] = [None if item is None else json.dumps(item) for item in arrays[position]]
    names = ", ".join(connection.ops.quote_name(name) for name, _ in columns)
    sources = ", ".join(f"%b::{kind}[]" for _, kind in columns)
    sql = f"INSERT INTO {connection.ops.quote_name(table)} ({names}) SELECT * FROM unnest({sources})"
    if returning:
        sql += f" RETURNING {returning}"
    return _server_bound_fetchall(sql, arrays)
