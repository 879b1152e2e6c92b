"""Shared fixtures. Every store test runs on SQLite, and on PostgreSQL too when
CHRONOLOGY_TEST_DATABASE_URL is set (``.ci/run`` sets it when the server answers)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, make_url, text

from chronology.db.engine import make_engine, upgrade


def _database_of_this_worker(url: str | None) -> str | None:
    """Each pytest-xdist worker gets its own PostgreSQL database (``<name>_gw0``, ...), created on first
    use, because every test empties the tables of the database it runs on."""
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    if not url or not worker:
        return url
    given = make_url(url)
    name = f"{given.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :name"), {"name": name}).scalar()
        if not exists:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return given.set(database=name).render_as_string(hide_password=False)


PG_URL = _database_of_this_worker(os.environ.get("CHRONOLOGY_TEST_DATABASE_URL"))


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Under ``--dist loadgroup`` a module's tests stay on one worker (module fixtures are built once)
    and every browser test shares one worker, so the browser world is loaded once."""
    for item in items:
        module = item.nodeid.split("::", 1)[0]
        group = "browser" if module.startswith("tests/browser/") else module
        item.add_marker(pytest.mark.xdist_group(group))
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
