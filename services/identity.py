"""Decisions on who a child is, as the command line and the web both make them: each decision is
recorded in one transaction, then the analysis of every child it touched is brought up to date
before the caller says it is done, so no one reads clusters or flags from before the decision."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, Engine, select

from chronology.analysis.refresh import RefreshTally, refresh_queued
from chronology.db.models import MatchSuggestion
from chronology.people import (
    IdentityError,
    confirm_suggestion,
    reject_suggestion,
    reopen_suggestion,
    root_of,
    undo_merge,
)

__all__ = ["BulkOutcome", "IdentityError", "confirm", "decide_many", "reject", "reopen", "undo"]


@dataclass(slots=True)
class BulkOutcome:
    """What a bulk decision did: each suggestion decided (with its merge when confirmed) or why not."""

    decided: list[tuple[int, int | None]] = field(default_factory=list)  # (suggestion, merge or None)
    refused: list[tuple[int, str]] = field(default_factory=list)
    already_joined: list[int] = field(default_factory=list)  # made moot by an earlier confirm in the batch
    tally: RefreshTally | None = None


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


def decide_many(engine: Engine, suggestion_ids: Iterable[int], decision: str, actor: str) -> BulkOutcome:
    """Confirm or reject several suggestions: each in its own transaction, so one refused (two NHS
    numbers, already decided) leaves the others decided; the analysis is refreshed once at the end."""
    if decision not in ("confirm", "reject"):
        raise IdentityError(f"a decision is confirm or reject, not {decision!r}")
    outcome = BulkOutcome()
    for suggestion_id in dict.fromkeys(suggestion_ids):
        try:
            with engine.begin() as conn:
                if decision == "confirm" and _already_one(conn, suggestion_id):
                    outcome.already_joined.append(suggestion_id)
                elif decision == "confirm":
                    outcome.decided.append((suggestion_id, confirm_suggestion(conn, suggestion_id, actor)))
                else:
                    reject_suggestion(conn, suggestion_id, actor)
                    outcome.decided.append((suggestion_id, None))
        except IdentityError as exc:
            outcome.refused.append((suggestion_id, str(exc)))
    outcome.tally = refresh_queued(engine)
    return outcome


def reopen(engine: Engine, suggestion_id: int, actor: str) -> RefreshTally:
    """Undo a rejection: the suggestion waits for a decision again."""
    with engine.begin() as conn:
        reopen_suggestion(conn, suggestion_id, actor)
    return refresh_queued(engine)


def _already_one(conn: Connection, suggestion_id: int) -> bool:
    """A pending pair whose records an earlier decision has already joined (A-B, B-C make A-C moot)."""
    row = conn.execute(
        select(MatchSuggestion.person_a_id, MatchSuggestion.person_b_id, MatchSuggestion.status).where(
            MatchSuggestion.id == suggestion_id
        )
    ).first()
    return row is not None and row.status == "pending" and root_of(conn, row.person_a_id) == root_of(conn, row.person_b_id)
