"""The web service's settings, from the environment only (never a secret in the repository)."""

from __future__ import annotations

import datetime as dt
import os
from typing import Any

from chronology import settings


class ConfigError(RuntimeError):
    """The service cannot start as configured (e.g. no secret key)."""


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    if value is None or value == "":
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}


def insecure_cookies() -> bool:
    """CHRONOLOGY_INSECURE_COOKIES=1: session cookie without Secure, for plain http on localhost only."""
    return _flag("CHRONOLOGY_INSECURE_COOKIES", False)


def web_limits() -> dict[str, Any]:
    return settings.load_config("web")


def from_environment(overrides: dict[str, Any] | None = None) -> dict[str, Any]:
    """Flask settings: CHRONOLOGY_* variables, then ``overrides`` (tests pass theirs here).

    Outside tests a missing CHRONOLOGY_SECRET_KEY stops the service: a default key would let anyone
    who has read the source forge sessions.
    """
    overrides = dict(overrides or {})
    limits = web_limits()
    max_mb = int(os.environ.get("CHRONOLOGY_MAX_UPLOAD_MB", limits["uploads"]["default_max_mb"]))
    config: dict[str, Any] = {
        "SECRET_KEY": os.environ.get("CHRONOLOGY_SECRET_KEY"),
        "DATABASE_URL": settings.database_url(),
        "MAX_CONTENT_LENGTH": max_mb * 1024 * 1024,
        "SESSION_COOKIE_NAME": "chronology_session",
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        # Off only for a plain-http demo on localhost: CHRONOLOGY_INSECURE_COOKIES=1.
        "SESSION_COOKIE_SECURE": not insecure_cookies(),
        "PERMANENT_SESSION_LIFETIME": dt.timedelta(minutes=limits["session"]["lifetime_minutes"]),
        "ANONYMOUS_SESSION_MINUTES": limits["session"]["anonymous_minutes"],
        "WTF_CSRF_TIME_LIMIT": None,  # the token lives as long as the session
        "LOGIN_WINDOW_SECONDS": limits["login"]["window_seconds"],
        "LOGIN_MAX_FAILURES_PER_USERNAME": limits["login"]["max_failures_per_username"],
        "LOGIN_MAX_FAILURES_PER_IP": limits["login"]["max_failures_per_ip"],
        "BREAK_GLASS_MINUTES": limits["break_glass"]["grant_minutes"],
        "SEARCH_PAGE_SIZE": limits["search"]["page_size"],
        "SEARCH_MAX_MATCHES": limits["search"]["max_matches"],
        "FRONTEND_DIR": os.environ.get(
            "CHRONOLOGY_FRONTEND_DIR", str(settings.PROJECT_ROOT / "node_modules" / "govuk-frontend" / "dist" / "govuk")
        ),
    }
    config.update(overrides)
    if not config.get("SECRET_KEY"):
        raise ConfigError(
            "CHRONOLOGY_SECRET_KEY is not set: the service will not start without a secret key. "
            'Make one with: python -c "import secrets; print(secrets.token_hex(32))"'
        )
    return config
