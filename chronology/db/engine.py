"""Engines and schema upgrades. Production code builds the schema only through Alembic migrations."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine, create_engine, event, inspect
from sqlalchemy.engine import make_url

from chronology import settings

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations"


def make_engine(url: str | None = None) -> Engine:
    """Engine for ``url`` (default from settings). SQLite gets foreign keys and WAL switched on."""
    url = url or settings.database_url()
    # psycopg prepares a statement run 5 times on the server, and PostgreSQL then keeps one generic
    # plan for it. An import's key lookups run thousands of times inside one transaction while the
    # table grows from empty: the plan chosen for the empty table (a sequential scan) made each
    # lookup of a 600,000-row import cost seconds. Planned with its values each time, it stays an
    # index scan.
    connect_args = {"prepare_threshold": None} if make_url(url).get_driver_name() == "psycopg" else {}
    engine = create_engine(url, future=True, connect_args=connect_args)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _sqlite_pragmas(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            cursor = dbapi_connection.cursor()
            cursor.execute("PRAGMA foreign_keys=ON")
            cursor.execute("PRAGMA journal_mode=WAL")
            cursor.execute("PRAGMA synchronous=NORMAL")
            cursor.close()

    return engine


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str | None = None, revision: str = "head") -> None:
    """Bring the database at ``url`` to ``revision`` (creating it if new)."""
    url = url or settings.database_url()
    command.upgrade(alembic_config(url), revision)


def is_initialised(engine: Engine) -> bool:
    return inspect(engine).has_table("alembic_version")
