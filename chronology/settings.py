"""Where things live: database URL, instance folder and the config/ data folder.

Settings come from the environment (never from files in the repository), so secrets such as a
PostgreSQL password are never committed.
"""

from __future__ import annotations

import os
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def instance_dir() -> Path:
    """Folder for the default SQLite database and other local state (``CHRONOLOGY_INSTANCE_DIR``)."""
    path = Path(os.environ.get("CHRONOLOGY_INSTANCE_DIR", PROJECT_ROOT / "instance"))
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``CHRONOLOGY_DATABASE_URL``, else a SQLite file in the instance folder."""
    url = os.environ.get("CHRONOLOGY_DATABASE_URL")
    if url:
        return url
    return f"sqlite:///{instance_dir() / 'chronology.sqlite3'}"


def config_dir() -> Path:
    """The config/ folder of code lists, mappings and thresholds (``CHRONOLOGY_CONFIG_DIR`` overrides)."""
    return Path(os.environ.get("CHRONOLOGY_CONFIG_DIR", PROJECT_ROOT / "config"))


@cache
def load_config(name: str) -> dict[str, Any]:
    """Read ``config/<name>.toml``. Cached: config is data that does not change while running."""
    path = config_dir() / f"{name}.toml"
    with path.open("rb") as handle:
        return tomllib.load(handle)
