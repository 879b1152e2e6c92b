"""Decisions on who a child is, as the command line and the web both make them: each decision is
recorded in one transaction, then the analysis of every child it touched is brought up to date
before the caller says it is done, so no one reads clusters or flags from before the decision."""

from __future__ import annotations

from sqlalchemy import Engine

from chronology.analysis.refresh import RefreshTally, refresh_queued
from chronology.people import IdentityError, confirm_suggestion, reject_suggestion, undo_merge

__all__ = ["IdentityError", "confirm", "reject", "undo"]


def confirm(engine: Engine, suggestion_id: int, actor: str) -> tuple[int, RefreshTally]:
    """Join the two records of a suggestion; returns the merge id and what the refresh did."""
    with engine.begin() as conn:
        merge_id = confirm_suggestion(conn, suggestion_id, actor)
    return merge_id, refresh_queued(engine)


def reject(engine: Engine, suggestion_id: int, actor: str) -> RefreshTally:
    """Keep the two records of a suggestion apart from now on."""
    with engine.begin() as conn:
        reject_suggestion(conn, suggestion_id, actor)
    return refresh_queued(engine)


def undo(engine: Engine, merge_id: int, actor: str, reason: str) -> RefreshTally:
    """Separate a wrongly joined record, with the reason kept."""
    with engine.begin() as conn:
        undo_merge(conn, merge_id, actor, reason)
    return refresh_queued(engine)
