"""Web sessions in the store, so they can be ended (sign-out, deactivation, a password change, an
administrator's "end all sessions").

A session is found by the SHA-256 of the random id in its cookie; the id itself is never stored, so a
copy of this table (a backup, a read-only database role) cannot be turned into a signed-in cookie.
Ending a session deletes its row: the cookie still exists wherever it was copied, but opens nothing.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets

from sqlalchemy import Connection, delete, func, insert, select, update

from chronology.db.models import WebSession, utcnow

sessions_t = WebSession.__table__


def new_session_id() -> str:
    """A random id for a cookie (256 bits)."""
    return secrets.token_urlsafe(32)


def id_hash(session_id: str) -> str:
    return hashlib.sha256(session_id.encode()).hexdigest()


def load_session(conn: Connection, session_id: str) -> str | None:
    """The stored data of a live session, or None (unknown, ended or expired)."""
    return conn.execute(
        select(sessions_t.c.data).where(sessions_t.c.id_hash == id_hash(session_id), sessions_t.c.expires_at > utcnow())
    ).scalar()


def create_session(
    conn: Connection, session_id: str, data: str, user_id: int | None, expires_at: dt.datetime
) -> None:
    """Store a new session; expired rows are cleared out at the same time, so the table stays small."""
    now = utcnow()
    conn.execute(delete(sessions_t).where(sessions_t.c.expires_at <= now))
    conn.execute(
        insert(sessions_t).values(
            id_hash=id_hash(session_id), user_id=user_id, data=data, created_at=now, expires_at=expires_at
        )
    )


def update_session(
    conn: Connection, session_id: str, data: str, user_id: int | None, expires_at: dt.datetime | None
) -> bool:
    """Write a live session's new data. False if it has been ended meanwhile: it is never recreated."""
    values: dict[str, object] = {"data": data, "user_id": user_id}
    if expires_at is not None:
        values["expires_at"] = expires_at
    done = conn.execute(
        update(sessions_t)
        .where(sessions_t.c.id_hash == id_hash(session_id), sessions_t.c.expires_at > utcnow())
        .values(**values)
    )
    return bool(done.rowcount)


def end_session(conn: Connection, session_id: str) -> None:
    conn.execute(delete(sessions_t).where(sessions_t.c.id_hash == id_hash(session_id)))


def end_user_sessions(conn: Connection, user_id: int) -> int:
    """End every session of one user; how many were live."""
    return int(conn.execute(delete(sessions_t).where(sessions_t.c.user_id == user_id)).rowcount or 0)


def end_all_sessions(conn: Connection) -> int:
    """End every session, signed in or not; how many there were."""
    return int(conn.execute(delete(sessions_t)).rowcount or 0)


def live_sessions_by_user(conn: Connection) -> dict[int, int]:
    """Signed-in sessions not yet expired, per user id (for the administrator's users page)."""
    rows = conn.execute(
        select(sessions_t.c.user_id, func.count())
        .where(sessions_t.c.user_id.is_not(None), sessions_t.c.expires_at > utcnow())
        .group_by(sessions_t.c.user_id)
    )
    return {int(user_id): int(count) for user_id, count in rows}
