"""Possible matches seen as people, not pairs: the records that may be one child, together.

A data officer deciding 442 pairwise suggestions one at a time sees the same child's health, school
and police fragments in a dozen pairs. Here every pending suggestion is mapped to the records' current
groups (so a pair already joined by another decision drops out), and the groups that suggestions
connect become one candidate set: every record with its evidence side by side, and every suggestion
that links them. Search (chronology/search.py ``possible_same``) uses the same links to show one result per possible
child.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, select

from chronology.db.chunks import chunks
from chronology.db.models import MatchSuggestion, Person, PersonMerge
from chronology.people import SuggestionView, list_suggestions, roots_of
from chronology.search import ChildHit, child_hits, groups_of

persons_t = Person.__table__
suggestions_t = MatchSuggestion.__table__


@dataclass(slots=True)
class CandidateRecord:
    """One record (a group of joined source records) that may be the same child as the others."""

    hit: ChildHit
    sex: str | None
    postcode: str | None
    sources: list[str]


@dataclass(slots=True)
class SuggestionGroup:
    """Records linked by pending suggestions, and those suggestions, strongest first."""

    records: list[CandidateRecord]
    suggestions: list[SuggestionView] = field(default_factory=list)

    @property
    def anchor(self) -> int:
        """A stable name for the group in addresses: its lowest record id."""
        return min(record.hit.person_id for record in self.records)

    @property
    def best_score(self) -> float:
        return max(s.score for s in self.suggestions)

    def text(self) -> str:
        """What a filter box searches: every name, identifier and source of the group's records."""
        words = []
        for record in self.records:
            words += [record.hit.name or "", *record.sources, *record.hit.agencies]
            words += [value for values in record.hit.identifiers.values() for value in values]
        return " ".join(words).casefold()


class _Components:
    def __init__(self) -> None:
        self.parent: dict[int, int] = {}

    def find(self, item: int) -> int:
        self.parent.setdefault(item, item)
        while self.parent[item] != item:
            self.parent[item] = self.parent[self.parent[item]]
            item = self.parent[item]
        return item

    def join(self, a: int, b: int) -> None:
        self.parent[self.find(a)] = self.find(b)


def live_suggestions(conn: Connection) -> list[tuple[SuggestionView, int, int]]:
    """Pending suggestions with each side's current group root; pairs already one child are left out
    (they come back by themselves if the join that made them moot is undone)."""
    pending = list_suggestions(conn, "pending")
    roots = roots_of(conn, {s.person_a for s in pending} | {s.person_b for s in pending})
    found = []
    for suggestion in pending:
        a, b = roots.get(suggestion.person_a, suggestion.person_a), roots.get(suggestion.person_b, suggestion.person_b)
        if a != b:
            found.append((suggestion, a, b))
    return found


def pending_groups(conn: Connection, today: dt.date | None = None) -> list[SuggestionGroup]:
    """Every candidate set, the strongest suggestion first."""
    live = live_suggestions(conn)
    components = _Components()
    for _, a, b in live:
        components.join(a, b)
    members: dict[int, set[int]] = defaultdict(set)
    chosen: dict[int, list[SuggestionView]] = defaultdict(list)
    for suggestion, a, b in live:
        key = components.find(a)
        members[key] |= {a, b}
        chosen[key].append(suggestion)
    records = _records(conn, {root for roots in members.values() for root in roots}, today)
    groups = [
        SuggestionGroup(sorted((records[r] for r in roots), key=lambda r: r.hit.person_id), chosen[key])
        for key, roots in members.items()
    ]
    return sorted(groups, key=lambda g: (-g.best_score, g.anchor))


def filter_groups(
    groups: Iterable[SuggestionGroup], *, text: str = "", source: str = "", min_score: float = 0.0
) -> list[SuggestionGroup]:
    """The groups a data officer asked for: any record matching the words, from a source, scored at least."""
    words = text.casefold().split()
    kept = []
    for group in groups:
        haystack = group.text()
        if words and not all(word in haystack for word in words):
            continue
        if source and not any(source in record.sources for record in group.records):
            continue
        if group.best_score < min_score:
            continue
        kept.append(group)
    return kept


def sources_of(groups: Iterable[SuggestionGroup]) -> list[str]:
    return sorted({source for group in groups for record in group.records for source in record.sources})


def _records(conn: Connection, roots: set[int], today: dt.date | None) -> dict[int, CandidateRecord]:
    ordered = sorted(roots)
    hits = {hit.person_id: hit for hit in child_hits(conn, ordered, today or dt.date.today())}
    members = groups_of(conn, ordered)
    owner = {member: root for root, listed in members.items() for member in listed}
    details: dict[int, dict[str, set[str] | str | None]] = {r: {"sources": set(), "sex": None, "postcode": None} for r in ordered}
    for part in chunks(sorted(owner)):
        for row in conn.execute(
            select(persons_t.c.id, persons_t.c.sex, persons_t.c.postcode, persons_t.c.source_system).where(
                persons_t.c.id.in_(part)
            )
        ):
            detail = details[owner[row.id]]
            detail["sources"].add(row.source_system)  # type: ignore[union-attr]
            if row.id == owner[row.id] or detail["sex"] is None:
                detail["sex"] = row.sex or detail["sex"]
                detail["postcode"] = row.postcode or detail["postcode"]
    return {
        root: CandidateRecord(
            hits[root],
            details[root]["sex"],  # type: ignore[arg-type]
            details[root]["postcode"],  # type: ignore[arg-type]
            sorted(details[root]["sources"]),  # type: ignore[arg-type]
        )
        for root in ordered
    }


@dataclass(slots=True)
class Decision:
    """A suggestion decided on, as the "decided recently" list shows it, with how to undo it."""

    suggestion_id: int
    status: str  # confirmed | rejected
    names: tuple[str | None, str | None]
    decided_by: str | None
    decided_at: dt.datetime | None
    merge_id: int | None
    undoable: bool  # a confirmed join not yet undone, or a rejection that can be reopened


def recent_decisions(conn: Connection, limit: int = 20) -> list[Decision]:
    """The latest decisions, newest first: a wrong one is put right from the same page."""
    a, b = persons_t.alias("a"), persons_t.alias("b")
    merges = PersonMerge.__table__
    rows = conn.execute(
        select(suggestions_t, a.c.display_name.label("name_a"), b.c.display_name.label("name_b"), merges.c.undone_at)
        .join(a, a.c.id == suggestions_t.c.person_a_id)
        .join(b, b.c.id == suggestions_t.c.person_b_id)
        .outerjoin(merges, merges.c.id == suggestions_t.c.merge_id)
        .where(suggestions_t.c.status.in_(("confirmed", "rejected")), suggestions_t.c.decided_at.is_not(None))
        .order_by(suggestions_t.c.decided_at.desc(), suggestions_t.c.id.desc())
        .limit(limit)
    ).all()
    return [
        Decision(
            row.id,
            row.status,
            (row.name_a, row.name_b),
            row.decided_by,
            row.decided_at,
            row.merge_id,
            (row.status == "confirmed" and row.merge_id is not None and row.undone_at is None)
            or (row.status == "rejected" and not (row.reason.startswith("merge ") and " undone: " in row.reason)),
        )
        for row in rows
    ]
