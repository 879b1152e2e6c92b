"""The queue of persons whose children's derived analysis (link graph, audit flags) is out of date.

Kept apart from ``chronology.analysis.refresh`` (which empties it) so that the store's writers (the
import loader, merges, decisions on suggestions) can fill it in their own transaction without
depending on the analysis.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Connection, func, insert, select, update

from chronology.db.chunks import chunks
from chronology.db.models import AnalysisQueue, utcnow

queue_t = AnalysisQueue.__table__


def queue_persons(conn: Connection, person_ids: Iterable[int | None], why: str) -> int:
    """Put persons in the queue (once each; one already there is stamped again); returns how many
    were new to it. Any person will do: the refresh finds the child or children they belong to."""
    wanted = sorted({int(p) for p in person_ids if p is not None})
    if not wanted:
        return 0
    held: set[int] = set()
    for part in chunks(wanted):
        query = select(queue_t.c.person_id).where(queue_t.c.person_id.in_(part))
        held.update(int(p) for p in conn.execute(query).scalars())
    now = utcnow()
    new = [{"person_id": p, "queued_at": now, "why": why[:200]} for p in wanted if p not in held]
    for part in chunks(new):
        conn.execute(insert(queue_t), list(part))
    again = sorted(held)  # queued again while waiting: a refresh that began before now must keep them
    for part in chunks(again):
        conn.execute(update(queue_t).where(queue_t.c.person_id.in_(part)).values(queued_at=now))
    return len(new)


def queue_size(conn: Connection) -> int:
    """How many persons wait for their children's analysis to be brought up to date."""
    return int(conn.execute(select(func.count()).select_from(queue_t)).scalar_one())
