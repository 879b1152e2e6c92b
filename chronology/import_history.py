"""Past imports read back: each file's report and its rejected rows and warnings, a page at a time.

What ``chronology imports list|show`` print and what the imports pages show.
"""

from __future__ import annotations

from sqlalchemy import Connection, Row, func, select

from chronology.db.models import ImportBatch, ImportIssue, ImportSkippedItem

batches_t = ImportBatch.__table__
issues_t = ImportIssue.__table__
skipped_t = ImportSkippedItem.__table__


def list_batches(conn: Connection, *, limit: int = 50, offset: int = 0) -> tuple[list[Row], int]:
    """Newest first, with the total number of imports."""
    total = conn.execute(select(func.count()).select_from(batches_t)).scalar_one()
    rows = conn.execute(select(batches_t).order_by(batches_t.c.id.desc()).limit(limit).offset(offset)).all()
    return list(rows), int(total)


def get_batch(conn: Connection, batch_id: int) -> Row | None:
    return conn.execute(select(batches_t).where(batches_t.c.id == batch_id)).first()


def batch_issues(
    conn: Connection, batch_id: int, *, kind: str | None = None, limit: int = 100, offset: int = 0
) -> tuple[list[Row], int]:
    """One import's rejected rows and warnings (``kind`` picks one), in file order, with their total."""
    where = [issues_t.c.batch_id == batch_id]
    if kind:
        where.append(issues_t.c.kind == kind)
    total = conn.execute(select(func.count()).select_from(issues_t).where(*where)).scalar_one()
    rows = conn.execute(
        select(issues_t).where(*where).order_by(issues_t.c.id).limit(limit).offset(offset)
    ).all()
    return list(rows), int(total)


def batch_skipped(conn: Connection, batch_id: int) -> list[Row]:
    """What one import skipped as not a record (a guidance sheet, an unmapped resource), each with
    its reason, in file order: read from the store, so the report says why long after the import."""
    return list(
        conn.execute(select(skipped_t).where(skipped_t.c.batch_id == batch_id).order_by(skipped_t.c.id)).all()
    )
