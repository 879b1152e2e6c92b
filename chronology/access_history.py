"""The access log read back for an administrator, newest first, a page at a time."""

from __future__ import annotations

from sqlalchemy import Connection, Row, func, select

from chronology.db.models import AccessLog

log_t = AccessLog.__table__


def read_access_log(
    conn: Connection,
    *,
    actor: str | None = None,
    person_id: int | None = None,
    action: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[Row], int]:
    where = []
    if actor:
        where.append(log_t.c.actor == actor)
    if person_id is not None:
        where.append(log_t.c.person_id == person_id)
    if action:
        where.append(log_t.c.action == action)
    total = conn.execute(select(func.count()).select_from(log_t).where(*where)).scalar_one()
    rows = conn.execute(
        select(log_t).where(*where).order_by(log_t.c.id.desc()).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)
