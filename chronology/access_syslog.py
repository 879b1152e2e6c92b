"""Mirror every access-log entry to syslog/journald (opt-in: ``CHRONOLOGY_ACCESS_LOG_SYSLOG``).

Why: the access log's triggers guard it against the application, not against whoever can write the
database; a copy on another machine, written as each entry is made, shows any later change. The
database row stays the record: a syslog that cannot be reached costs a warning, never the row or
the request.

The setting is ``1`` (the local ``/dev/log``, which journald reads), a socket path (``/run/...``)
or ``HOST:PORT`` (UDP). Each entry is one line, ``chronology-access`` then a JSON object of the
row's own fields, so a newline or a forged ``key=value`` in a reason cannot start a second entry.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import logging.handlers
import os
import socket
from functools import cache

__all__ = ["enabled", "entry_line", "ship"]

SETTING = "CHRONOLOGY_ACCESS_LOG_SYSLOG"
TAG = "chronology-access"
warnings = logging.getLogger(__name__)


class _Handler(logging.handlers.SysLogHandler):
    """A SysLogHandler whose failures become one warning, not a traceback on stderr."""

    def handleError(self, record: logging.LogRecord) -> None:
        warnings.warning(
            "access log entry not shipped to syslog (%s); the database row is kept", self.address
        )


def _address(value: str) -> str | tuple[str, int]:
    if value == "1":
        return "/dev/log"
    if value.startswith("/"):
        return value
    host, _, port = value.rpartition(":")
    return (host.strip("[]") or "localhost", int(port))


@cache
def _logger(value: str) -> logging.Logger | None:
    """One logger per setting value, outside the app's logger tree (its lines go to syslog only)."""
    try:
        handler = _Handler(
            address=_address(value),
            facility=logging.handlers.SysLogHandler.LOG_AUTHPRIV,
            socktype=socket.SOCK_DGRAM,
        )
    except (OSError, ValueError) as error:
        warnings.warning(
            "%s=%r: cannot open syslog (%s); access log entries stay in the database only",
            SETTING,
            value,
            error,
        )
        return None
    handler.ident = f"{TAG}: "
    logger = logging.Logger("chronology.access.syslog", logging.INFO)
    logger.propagate = False
    logger.addHandler(handler)
    return logger


def entry_line(
    *,
    child: str | None,
    at: dt.datetime,
    actor: str,
    action: str,
    person_id: int | None,
    detail: str | None,
    reason: str | None,
) -> str:
    """The entry as one line of JSON (control characters escaped by the encoder)."""
    return json.dumps(
        {
            "at": at.isoformat(),
            "actor": actor,
            "action": action,
            "person_id": person_id,
            "child": child,
            "detail": detail,
            "reason": reason,
        },
        ensure_ascii=True,
        separators=(",", ":"),
    )


def _setting() -> str:
    value = os.environ.get(SETTING, "").strip()
    return "" if value == "0" else value


def enabled() -> bool:
    """Whether entries are shipped (read each time: the environment is the only setting)."""
    return bool(_setting())


def ship(**entry) -> None:  # type: ignore[no-untyped-def]
    """Send one access-log entry to syslog when the setting asks for it; never raises."""
    value = _setting()
    if not value:
        return
    try:
        logger = _logger(value)
        if logger is not None:
            logger.info("%s", entry_line(**entry))
    except Exception as error:
        warnings.warning("access log entry not shipped to syslog (%s); the database row is kept", error)
