"""The store, as the web requests reach it."""

from __future__ import annotations

from flask import current_app
from sqlalchemy import Engine


def engine() -> Engine:
    return current_app.extensions["chronology_engine"]
