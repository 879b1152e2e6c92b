"""Opening the store for a command: the database from the environment, brought up to date."""

from __future__ import annotations

import getpass
import os

from sqlalchemy import Engine

from chronology import settings
from chronology.db.engine import make_engine, upgrade


def open_store(url: str | None = None) -> Engine:
    """Engine on the configured database, with every migration applied (idempotent)."""
    url = url or settings.database_url()
    upgrade(url)
    return make_engine(url)


def current_actor() -> str:
    """Who is acting, for the access log and merge records: CHRONOLOGY_ACTOR, else the OS user."""
    return os.environ.get("CHRONOLOGY_ACTOR") or f"cli:{getpass.getuser()}"
