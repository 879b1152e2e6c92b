"""PostgreSQL plans each statement with its values: no server-side prepared statements, whose one
generic plan (made while an import's tables were still empty) turned its key lookups into sequential
scans of a growing table. Only timing shows the effect (bench/import_template.py: a 600,000-row import),
so this checks the setting on a real connection."""

from __future__ import annotations

import os

import pytest

from chronology.db.engine import make_engine

PG_URL = os.environ.get("CHRONOLOGY_TEST_DATABASE_URL")  # the server's own database: only connected to


@pytest.mark.skipif(not PG_URL, reason="needs CHRONOLOGY_TEST_DATABASE_URL (PostgreSQL)")
def test_postgresql_connections_never_prepare_statements_on_the_server():
    engine = make_engine(PG_URL)
    try:
        with engine.connect() as conn:
            raw = conn.connection.dbapi_connection
            assert raw.prepare_threshold is None
            for _ in range(8):  # more than psycopg's default threshold of 5
                conn.exec_driver_sql("SELECT 1 WHERE 1 = %(one)s", {"one": 1})
            assert raw.execute("SELECT count(*) FROM pg_prepared_statements").fetchone()[0] == 0
    finally:
        engine.dispose()
