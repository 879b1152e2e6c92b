"""One child's ``ChildFacts`` read from the store: every agency's events, family, plans and links.

The child is their merged group (every agency's record of them); people named on events are
resolved to their group's root so "the same suspect" means the same joined person; role words
("Dad") are resolved against the child's known family as the chronology does. Links come from the
stored graph when it is current (``chronology link``), else are computed here, so the analysis never
depends on whether the graph was built.
"""

from __future__ import annotations

import datetime as dt
import json
from collections import defaultdict, namedtuple
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from sqlalchemy import JSON, Connection, Text, select, type_coerce

from chronology.analysis.facts import ChildFacts, Fact, FamilyPerson, Involved, Ref, top_agency
from chronology.analysis.graph_store import stored_graph
from chronology.analysis.links import build_links
from chronology.analysis.plans import derive_plans
from chronology.db.chunks import chunks
from chronology.db.models import Event, Person
from chronology.events import IdentifierKind
from chronology.people import root_of, roots_of
from chronology.record import ChildRecord, FamilyMember, describe_mention, load_child, load_children

events_t = Event.__table__
persons_t = Person.__table__
EVENT_COLUMNS = (
    events_t.c.id,
    events_t.c.subject_id,
    events_t.c.natural_key,
    events_t.c.date,
    events_t.c.date_precision,
    events_t.c.time,
    events_t.c.end_date,
    events_t.c.seq,
    events_t.c.agency,
    events_t.c.event_type,
    events_t.c.categories,
    events_t.c.themes,
    events_t.c.summary,
    events_t.c.significant,
    events_t.c.child_voice,
    events_t.c.child_seen_alone,
    events_t.c.persons,
    events_t.c.attributes,
    events_t.c.source_record_id,
    events_t.c.refs,
    events_t.c.referring_agency,
    events_t.c.encounter_ref,
    events_t.c.labels,
)


def iter_child_ids(conn: Connection) -> Iterator[int]:
    """Every child's group root, in id order (one per real child however many agencies know them)."""
    query = (
        select(persons_t.c.id)
        .where(persons_t.c.is_child.is_(True), persons_t.c.merged_into_id.is_(None))
        .order_by(persons_t.c.id)
    )
    for person_id in conn.execute(query).scalars():
        yield int(person_id)


def load_child_facts(
    conn: Connection,
    person_id: int,
    *,
    as_of: dt.date | None = None,
    links: bool = True,
    record: ChildRecord | None = None,
) -> ChildFacts:
    """The child's facts, plans and link graph (stored when current, else computed).

    ``as_of`` defaults to the latest date the imported data covers (latest coverage end, else the
    latest event). ``links=False`` leaves the graph empty (``chronology link`` builds it itself).
    ``record`` is the child's record when the caller has read it already (with or without its
    events): their identity, family and coverage are then not read a second time.
    """
    if record is None or person_id not in record.members:
        record = load_child(conn, person_id, with_events=False)
    roots = _RootCache(conn)
    rows = _event_rows(conn, record.members)
    child = _child_facts(record, rows, roots, as_of)
    if links:
        graph = stored_graph(conn, child) or build_links(child)
        child.links, child.clusters, child.episodes = graph.links, graph.clusters, graph.episodes
        child.unmatched = graph.unmatched
    return child


def load_children_facts(conn: Connection, person_ids: Sequence[int]) -> list[ChildFacts]:
    """``load_child_facts(..., links=False)`` of many children, read together: a few queries for the
    lot (records, events, the roots of everyone named), not a dozen per child."""
    records = load_children(conn, person_ids)
    owner = {m: record.person_id for record in records for m in record.members}
    rows_of: dict[int, list[Any]] = defaultdict(list)
    for part in chunks(sorted(owner)):
        for row in _event_rows(conn, list(part)):
            rows_of[owner[row.subject_id]].append(row)
    roots = _RootCache(conn)
    roots.prefetch(
        {p for rows in rows_of.values() for p in _named(rows)}
        | {p for record in records for member in record.family for p in member.person_ids}
    )
    return [_child_facts(record, rows_of[record.person_id], roots, None) for record in records]


def _named(rows: list[Any]) -> Iterator[int]:
    return (m["person_id"] for row in rows for m in row.persons or () if m.get("person_id") is not None)


def _child_facts(record: ChildRecord, rows: list[Any], roots: _RootCache, as_of: dt.date | None) -> ChildFacts:
    """The child's facts and plans from their record and event rows (no links yet)."""
    roots.prefetch([*_named(rows), *(p for member in record.family for p in member.person_ids)])
    relationships = _relationships_by_root(record.family, roots)
    involved = _Involvement(record, roots, relationships)
    facts = [_fact(row, involved) for row in rows]
    facts.sort(key=lambda f: (f.day is None, f.day or dt.date.max, f.time or dt.time.min, f.id))
    child = ChildFacts(
        person_id=record.person_id,
        la_child_id=record.first(IdentifierKind.LA_CHILD_ID),
        name=record.name,
        dob=record.dob.earliest() if record.dob else None,
        facts=facts,
        family=[_family_person(member, roots) for member in record.family],
        coverage=_coverage(record),
    )
    child.as_of = as_of or _default_as_of(child)
    child.plans = derive_plans(child)
    return child


EventRow = namedtuple("EventRow", [column.name for column in EVENT_COLUMNS])  # type: ignore[misc]
_JSON_AT = frozenset(i for i, column in enumerate(EVENT_COLUMNS) if isinstance(column.type, JSON))


def _event_rows(conn: Connection, members: Sequence[int]) -> list[Any]:
    """The events of these persons (a child's members, or several children's). JSON columns come as text where the driver leaves them text (SQLite) and
    each distinct text is decoded once: the same categories, themes, labels and people recur on
    thousands of events. (Every use below copies what it keeps, so sharing a decoded value is safe.)"""
    columns = [type_coerce(c, Text).label(c.name) if i in _JSON_AT else c for i, c in enumerate(EVENT_COLUMNS)]
    decoded: dict[str, Any] = {}

    def value(raw: Any) -> Any:
        if not isinstance(raw, str):
            return raw  # NULL, or decoded already by the driver (PostgreSQL)
        if raw not in decoded:
            decoded[raw] = json.loads(raw)
        return decoded[raw]

    rows = conn.execute(select(*columns).where(events_t.c.subject_id.in_(members)))
    return [EventRow(*(value(v) if i in _JSON_AT else v for i, v in enumerate(row))) for row in rows]


class _RootCache:
    """Group roots of the people named on one child's events, fetched in bulk, remembered."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn
        self.known: dict[int, int] = {}

    def prefetch(self, person_ids: Iterable[int]) -> None:
        self.known.update(roots_of(self.conn, (p for p in person_ids if p not in self.known)))

    def __call__(self, person_id: int | None) -> int | None:
        if person_id is None:
            return None
        if person_id not in self.known:
            self.known[person_id] = root_of(self.conn, person_id)
        return self.known[person_id]


class _Involvement:
    """Who a mention on an event is, as the analysis joins people; remembered per distinct mention, as
    the same few people are named on thousands of a child's events."""

    def __init__(self, record: ChildRecord, roots: _RootCache, relationships: dict[int, str]) -> None:
        self.record, self.roots, self.relationships = record, roots, relationships
        self.known: dict[tuple[Any, ...], Involved] = {}

    def __call__(self, mention: dict[str, Any]) -> Involved:
        key = tuple(sorted((k, v) for k, v in mention.items() if isinstance(v, str | int | None)))
        if len(key) != len(mention):  # a value that is no plain text or number: not remembered
            return _involved(mention, self.record, self.roots, self.relationships)
        found = self.known.get(key)
        if found is None:
            found = self.known[key] = _involved(mention, self.record, self.roots, self.relationships)
        return found


def _fact(row: Any, involved: _Involvement) -> Fact:
    dated = row.date is not None and row.date_precision != "unknown"
    return Fact(
        id=int(row.id),
        day=row.date if dated else None,
        precision=row.date_precision if dated else "unknown",
        time=row.time,
        agency=row.agency,
        event_type=row.event_type,
        categories=tuple(str(c) for c in row.categories or ()),
        themes=frozenset(row.themes or ()),
        summary=row.summary or "",
        significant=bool(row.significant),
        child_voice=bool(row.child_voice) or bool(row.child_seen_alone),
        persons=tuple(involved(m) for m in row.persons or ()),
        attributes=dict(row.attributes or {}),
        source_record_id=row.source_record_id,
        end=row.end_date,
        natural_key=row.natural_key,
        references=tuple(_ref(r) for r in row.refs or ()),
        referring_agency=row.referring_agency,
        encounter=row.encounter_ref,
        labels=frozenset(row.labels or ()),
    )


def _ref(stored: dict[str, Any]) -> Ref:
    return Ref(
        kind=str(stored.get("kind", "")),
        value=str(stored.get("value", "")),
        token=str(stored.get("token", "")),
        own=stored.get("role") == "own",
        source=str(stored.get("source", "")),
    )


def _involved(
    mention: dict[str, Any], record: ChildRecord, roots: _RootCache, relationships: dict[int, str]
) -> Involved:
    described = describe_mention(mention, record.family)
    person_id = roots(described.person_id)
    relationship = described.relationship or (relationships.get(person_id) if person_id is not None else None)
    return Involved(person_id, described.name, described.role, relationship)


def _relationships_by_root(family: list[FamilyMember], roots: _RootCache) -> dict[int, str]:
    """Joined person -> their relationship to the child (the first the family lists)."""
    found: dict[int, str] = {}
    for member in family:
        for person_id in member.person_ids:
            root = roots(person_id)
            if root is not None:
                found.setdefault(root, member.relationship)
    return found


def _family_person(member: FamilyMember, roots: _RootCache) -> FamilyPerson:
    ids = set(member.person_ids) | {r for r in (roots(p) for p in member.person_ids) if r is not None}
    return FamilyPerson(tuple(sorted(ids)), member.name, member.relationship)


def _coverage(record: ChildRecord) -> dict[str, tuple[dt.date, dt.date]]:
    """The span each top agency's imports cover (all schools are education, all NHS bodies health)."""
    spans: dict[str, tuple[dt.date, dt.date]] = {}
    for cover in record.coverage:
        agency = top_agency(cover.agency)
        start, end = spans.get(agency, (cover.start, cover.end))
        spans[agency] = (min(start, cover.start), max(end, cover.end))
    return spans


def _default_as_of(child: ChildFacts) -> dt.date | None:
    if child.coverage:
        return max(end for _, end in child.coverage.values())
    days = [f.day for f in child.facts if f.day is not None]
    return max(days) if days else None
