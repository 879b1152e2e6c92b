"""Shared fixtures. Every store test runs on SQLite, and on PostgreSQL too when
CHRONOLOGY_TEST_DATABASE_URL is set (``.ci/run`` sets it when the server answers)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from chronology.db.engine import make_engine, upgrade

PG_URL = os.environ.get("CHRONOLOGY_TEST_DATABASE_URL")
SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
SAMPLES = SHARED / "samples"


def _reset_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


@pytest.fixture(scope="session", params=["sqlite", "postgresql"] if PG_URL else ["sqlite"])
def migrated_database(request, tmp_path_factory) -> Iterator[tuple[str, str]]:
    """A database built by the real migrations once per session: (dialect, url)."""
    if request.param == "postgresql":
        assert PG_URL is not None
        _reset_postgres(PG_URL)
        upgrade(PG_URL)
        yield "postgresql", PG_URL
    else:
        path = tmp_path_factory.mktemp("db") / "template.sqlite3"
        upgrade(f"sqlite:///{path}")
        yield "sqlite", str(path)


@pytest.fixture
def database_url(migrated_database, tmp_path) -> str:
    """A fresh, migrated, empty database for one test."""
    dialect, where = migrated_database
    if dialect == "sqlite":
        copy = tmp_path / "test.sqlite3"
        shutil.copy(where, copy)
        return f"sqlite:///{copy}"
    engine = create_engine(where)
    with engine.begin() as conn:
        tables = [
            row[0]
            for row in conn.execute(
                text(
                    "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
                )
            )
        ]
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()
    return where


@pytest.fixture
def engine(database_url) -> Iterator[Engine]:
    eng = make_engine(database_url)
    yield eng
    eng.dispose()


@pytest.fixture
def cli_env(database_url, monkeypatch, tmp_path) -> str:
    """Environment for running the ``chronology`` command against the test database."""
    monkeypatch.setenv("CHRONOLOGY_DATABASE_URL", database_url)
    monkeypatch.setenv("CHRONOLOGY_INSTANCE_DIR", str(tmp_path / "instance"))
    monkeypatch.setenv("CHRONOLOGY_ACTOR", "test-officer")
    return database_url
