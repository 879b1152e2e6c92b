"""Writing a batch of rows into one table the fastest way the database offers.

On PostgreSQL through psycopg a batch goes by ``COPY ... FROM STDIN`` in the caller's transaction:
one stream instead of a statement per few hundred rows, which made writing an import's events as
slow as resolving its people. Elsewhere (SQLite) it is SQLAlchemy's ``executemany``. The values are
the same either way: JSON columns are serialised as SQLAlchemy would (``None`` is JSON ``null``
unless the column stores SQL NULL for it), so a row reads back the same whichever path wrote it.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import JSON, Connection, Table, insert


def insert_rows(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    """Insert ``rows`` (dicts with the same keys, giving every column that has a Python default)."""
    if not rows:
        return
    if conn.dialect.name == "postgresql" and conn.dialect.driver == "psycopg":
        _copy(conn, table, rows)
    else:
        conn.execute(insert(table), rows)


def _copy(conn: Connection, table: Table, rows: list[dict[str, Any]]) -> None:
    names = list(rows[0])
    columns = [table.c[name] for name in names]
    missing = [c.name for c in table.columns if c.default is not None and c.name not in rows[0]]
    if missing:  # a Python default COPY would not apply: let SQLAlchemy fill it
        conn.execute(insert(table), rows)
        return
    dumps = getattr(conn.dialect, "_json_serializer", None) or json.dumps
    as_json = [isinstance(c.type, JSON) for c in columns]
    none_as_null = [bool(getattr(c.type, "none_as_null", False)) for c in columns]
    quoted = ", ".join(conn.dialect.identifier_preparer.quote(name) for name in names)
    statement = f"COPY {conn.dialect.identifier_preparer.format_table(table)} ({quoted}) FROM STDIN"
    cursor = conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        with cursor.copy(statement) as copy:
            for row in rows:
                values = []
                for name, is_json, null in zip(names, as_json, none_as_null, strict=True):
                    value = row[name]
                    if is_json and not (value is None and null):
                        value = dumps(value)
                    values.append(value)
                copy.write_row(values)
    finally:
        cursor.close()
