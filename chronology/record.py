"""One child's record read back: who they are, who is around them, and every event in order.

The same functions serve the command line, the CSV export and (later) the web pages, so what a
social worker sees and what a panel exports are the same chronology.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import ColumnElement, Connection, and_, bindparam, case, func, insert, or_, select, text

from chronology import access_syslog
from chronology.db.chunks import chunks
from chronology.db.models import (
    AccessLog,
    Event,
    EventGroup,
    ImportBatch,
    Person,
    PersonIdentifier,
    Relationship,
    utcnow,
)
from chronology.events import IdentifierKind, PartialDate
from chronology.identifiers import normalise_nhs_number, normalise_upn
from chronology.people import name_key, root_of, roots_of
from chronology.person_facts import Disagreement, disagreements_of_groups
from chronology.vocabulary import family_relationship, is_role_only_name

events_t = Event.__table__
persons_t = Person.__table__
identifiers_t = PersonIdentifier.__table__
relationships_t = Relationship.__table__
groups_t = EventGroup.__table__


# Written after a mention that cannot be tied to one known person; the template importer strips them.
AMBIGUOUS_MARK = "— ambiguous:"
UNIDENTIFIED_MARK = "— not identified"


@dataclass(slots=True)
class FamilyMember:
    """An adult or sibling around the child, named once however many agencies know them."""

    person_ids: list[int]
    name: str
    relationship: str
    sources: list[str]
    parental_responsibility: bool | None = None
    lives_with_child: bool | None = None

    def label(self) -> str:
        return f"{self.name} ({self.relationship})"


@dataclass(slots=True)
class PersonMention:
    name: str | None
    role: str | None
    relationship: str | None
    person_id: int | None
    display: str  # unambiguous text for the chronology: "Mark Jones (father)"
    ambiguous: bool = False


@dataclass(slots=True)
class Entry:
    """One event as the chronology shows it."""

    id: int
    date: PartialDate | None
    date_text: str | None
    time: dt.time | None
    end: PartialDate | None
    end_time: dt.time | None
    seq: int | None
    agency: str
    source: str
    event_type: str
    categories: list[str]
    themes: list[str]
    summary: str
    impact_on_child: str | None
    action_outcome: str | None
    analysis: str | None
    significant: bool
    child_voice: str | None
    child_seen_alone: bool | None
    persons: list[PersonMention]
    attributes: dict[str, Any]
    source_system: str
    source_file: str
    source_row: int | None
    source_path: str | None
    source_sheet: str | None
    source_record_id: str | None
    batch_id: int
    age_at_event: str | None = None
    incident_cluster: str | None = None
    episode: str | None = None
    references: list[dict[str, str]] = field(default_factory=list)  # [{kind, value, role, source}]
    unmatched_refs: list[str] = field(default_factory=list)  # quoted, matching no police occurrence

    def references_in_words(self) -> list[str]:
        """Each reference as a reader sees it: "police occurrence OCC18/001016 (its own)"."""
        said = []
        for ref in self.references:
            kind = str(ref.get("kind", "reference")).replace("_", " ")
            whose = "its own" if ref.get("role") == "own" else f"quoted in {ref.get('source') or 'the record'}"
            unmatched = ref.get("role") != "own" and ref.get("value") in self.unmatched_refs
            said.append(
                f"{kind} {ref.get('value')} ({whose}"
                + ("; matches no police occurrence of this child, so not linked)" if unmatched else ")")
            )
        return said


@dataclass(frozen=True, slots=True)
class AgencyCoverage:
    """The period an agency's imported files cover: outside it, silence means no data, not no events."""

    agency: str
    start: dt.date
    end: dt.date

    def covers(self, day: dt.date) -> bool:
        return self.start <= day <= self.end


@dataclass(slots=True)
class ChildRecord:
    person_id: int  # the group's representative
    members: list[int]
    name: str | None
    dob: PartialDate | None
    sex: str | None
    identifiers: dict[str, list[str]]  # valid identifiers by kind
    invalid_identifiers: list[tuple[str, str, str]]  # (kind, value, problem)
    family: list[FamilyMember] = field(default_factory=list)
    entries: list[Entry] = field(default_factory=list)
    coverage: list[AgencyCoverage] = field(default_factory=list)
    # facts (date of birth, sex, name) the child's records give that cannot all be true, each value
    # with its sources: the page marks them "facts disagree" instead of showing one as the truth
    disagreements: list[Disagreement] = field(default_factory=list)

    def first(self, kind: IdentifierKind) -> str | None:
        values = self.identifiers.get(kind.value)
        return values[0] if values else None


def find_child(conn: Connection, identifier: str) -> int | None:
    """The child an LA child ID, NHS number or UPN names (any agency's), as the group's representative."""
    raw = identifier.strip()
    candidates = {(IdentifierKind.LA_CHILD_ID.value, raw)}
    nhs = normalise_nhs_number(raw)
    if nhs and len(nhs) == 10:
        candidates.add((IdentifierKind.NHS_NUMBER.value, nhs))
    upn = normalise_upn(raw)
    if upn:
        candidates |= {(IdentifierKind.UPN.value, upn), (IdentifierKind.FORMER_UPN.value, upn)}
    for kind, value in sorted(candidates):
        person_id = conn.execute(
            select(identifiers_t.c.person_id)
            .join(persons_t, persons_t.c.id == identifiers_t.c.person_id)
            .where(
                identifiers_t.c.kind == kind, identifiers_t.c.value == value, persons_t.c.is_child.is_(True)
            )
            .order_by(identifiers_t.c.valid.desc(), identifiers_t.c.person_id)
            .limit(1)
        ).scalar()
        if person_id is not None:
            return root_of(conn, int(person_id))
    return None


def load_child(conn: Connection, person_id: int, *, with_events: bool = True) -> ChildRecord:
    """The child's whole record: identity, family, and (optionally) every event, oldest first."""
    (record,) = load_children(conn, [person_id])
    if with_events:
        _bring_up_to_date(conn, record.person_id, record.members)
        record.entries = load_entries(conn, record)
    return record


def load_children(conn: Connection, person_ids: Sequence[int]) -> list[ChildRecord]:
    """The records (identity, family, coverage; no events) of the children these persons belong to,
    one per person asked, read together: a few queries for many children, not a few per child (the
    refresh after an import reads thousands)."""
    root_by_person = roots_of(conn, person_ids)
    roots = [root_by_person.get(p, p) for p in person_ids]
    members_of = _members_of_roots(conn, sorted(set(roots)))
    everyone = sorted({m for members in members_of.values() for m in members})
    people: dict[int, list[Any]] = defaultdict(list)
    owner = {m: root for root, members in members_of.items() for m in members}
    for part in chunks(everyone):
        for row in conn.execute(select(persons_t).where(persons_t.c.id.in_(part)).order_by(persons_t.c.id)):
            people[owner[row.id]].append(row)
    idents: dict[int, list[Any]] = defaultdict(list)
    for part in chunks(everyone):
        for ident in conn.execute(
            select(identifiers_t).where(identifiers_t.c.person_id.in_(part)).order_by(identifiers_t.c.id)
        ):
            idents[owner[ident.person_id]].append(ident)
    families = load_families(conn, members_of)
    coverage = load_coverage(conn)
    disagreeing = dict(
        zip(members_of, disagreements_of_groups(conn, list(members_of.values())), strict=True)
    )
    records: dict[int, ChildRecord] = {}
    for root in dict.fromkeys(roots):
        found = sorted(people[root], key=lambda row: row.id)
        record = ChildRecord(
            person_id=root,
            members=members_of[root],
            name=_best_name(found),
            dob=_best_dob(found),
            sex=next((p.sex for p in found if p.sex), None),
            identifiers={},
            invalid_identifiers=[],
        )
        for ident in sorted(idents[root], key=lambda row: row.id):
            if ident.kind == IdentifierKind.SOURCE_PERSON_ID.value:
                continue
            if ident.valid:
                values = record.identifiers.setdefault(ident.kind, [])
                if ident.value not in values:
                    values.append(ident.value)
            else:
                record.invalid_identifiers.append((ident.kind, ident.value, ident.problem or "invalid"))
        record.family = families[root]
        record.coverage = list(coverage)
        record.disagreements = disagreeing[root]
        records[root] = record
    return [records[root] for root in roots]


def _members_of_roots(conn: Connection, roots: Sequence[int]) -> dict[int, list[int]]:
    """Every source person joined under each group root (the root included), sorted."""
    query = text(
        """
        WITH RECURSIVE grp(id, root) AS (
            SELECT id, id FROM persons WHERE id IN :roots
            UNION
            SELECT p.id, grp.root FROM persons p JOIN grp ON p.merged_into_id = grp.id
        )
        SELECT id, root FROM grp
        """
    ).bindparams(bindparam("roots", expanding=True))
    found: dict[int, list[int]] = {root: [] for root in roots}
    for part in chunks(list(roots)):
        for person, root in conn.execute(query, {"roots": list(part)}):
            found[int(root)].append(int(person))
    for members in found.values():
        members.sort()
    return found


def _bring_up_to_date(conn: Connection, root: int, members: list[int]) -> None:
    """A record about to be read whose analysis still waits in the queue is rebuilt first, so the
    clusters and episodes shown are never those of before the last import or decision."""
    from chronology.analysis.refresh import refresh_if_waiting

    refresh_if_waiting(conn, root, members)


def _best_name(people: list[Any]) -> str | None:
    named = [p.display_name for p in people if p.display_name]
    return max(set(named), key=named.count) if named else None


def _best_dob(people: list[Any]) -> PartialDate | None:
    order = {"day": 0, "month": 1, "year": 2}
    dated = sorted((p for p in people if p.dob), key=lambda p: order.get(p.dob_precision or "year", 3))
    if not dated:
        return None
    return PartialDate.from_stored(dated[0].dob, dated[0].dob_precision or "day", False)


def load_coverage(conn: Connection) -> list[AgencyCoverage]:
    """Per agency, the periods its completed imports said they cover (census years, log spans, --covers).

    Periods that overlap or touch are joined; a gap between two files' periods stays a gap, so a 2019-20
    return and a 2023-24 one never claim the years between them as data held."""
    batches = ImportBatch.__table__
    query = (
        select(batches.c.agency, batches.c.covers_from, batches.c.covers_to)
        .where(
            batches.c.status == "completed",
            batches.c.covers_from.is_not(None),
            batches.c.covers_to.is_not(None),
            batches.c.agency.is_not(None),
        )
        .order_by(batches.c.agency, batches.c.covers_from, batches.c.covers_to)
    )
    joined: list[AgencyCoverage] = []
    for agency, start, end in conn.execute(query):
        last = joined[-1] if joined else None
        if last is not None and last.agency == agency and start <= last.end + dt.timedelta(days=1):
            joined[-1] = AgencyCoverage(agency, last.start, max(last.end, end))
        else:
            joined.append(AgencyCoverage(agency, start, end))
    return joined


def load_family(conn: Connection, members: list[int]) -> list[FamilyMember]:
    """Adults and siblings around the child, one entry per person and relationship."""
    return load_families(conn, {0: members})[0]


def load_families(conn: Connection, members_of: dict[int, list[int]]) -> dict[int, list[FamilyMember]]:
    """``load_family`` of several children (by key: their members), read together."""
    owner = {m: key for key, members in members_of.items() for m in members}
    rows_of: dict[int, list[Any]] = defaultdict(list)
    for part in chunks(sorted(owner)):
        for row in conn.execute(
            select(relationships_t, persons_t.c.display_name)
            .join(persons_t, persons_t.c.id == relationships_t.c.person_id)
            .where(relationships_t.c.child_id.in_(part))
        ):
            rows_of[owner[row.child_id]].append(row)
    roots = roots_of(conn, {row.person_id for rows in rows_of.values() for row in rows})
    return {key: _family(sorted(rows_of[key], key=lambda row: row.id), roots) for key in members_of}


def _family(rows: list[Any], roots: dict[int, int]) -> list[FamilyMember]:
    grouped: dict[tuple[Any, str], FamilyMember] = {}
    for row in rows:
        root = roots.get(row.person_id, row.person_id)
        # Same real person (joined by identifiers) or, lacking identifiers, same name in this child's life.
        identity: Any = root if root != row.person_id else (name_key(row.display_name) or root)
        key = (identity, row.relationship)
        member = grouped.get(key)
        if member is None:
            member = FamilyMember([], row.display_name or "(name not recorded)", row.relationship, [])
            grouped[key] = member
        if row.person_id not in member.person_ids:
            member.person_ids.append(row.person_id)
        if row.source_system not in member.sources:
            member.sources.append(row.source_system)
        if row.parental_responsibility is not None:
            member.parental_responsibility = row.parental_responsibility
        if row.lives_with_child is not None:
            member.lives_with_child = row.lives_with_child
    return sorted(grouped.values(), key=lambda m: (_relationship_order(m.relationship), m.name))


def _relationship_order(relationship: str) -> int:
    order = [
        "mother",
        "father",
        "step-father",
        "step-mother",
        "mother's partner",
        "father's partner",
        "sibling",
        "half-sibling",
        "grandparent",
    ]
    return order.index(relationship) if relationship in order else len(order)


def describe_mention(mention: dict[str, Any], family: list[FamilyMember]) -> PersonMention:
    """Name a person mentioned on an event unambiguously, resolving role words against the family."""
    name, role = mention.get("name"), mention.get("role")
    relationship = mention.get("relationship") or family_relationship(role)
    person_id = mention.get("person_id")
    if name and not is_role_only_name(name):
        display = f"{name} ({role})" if role else name
        return PersonMention(name, role, relationship, person_id, display)
    wanted = family_relationship(name) or relationship
    matches = [m for m in family if wanted and m.relationship == wanted]
    names = sorted({m.name for m in matches})
    if len(names) == 1:
        return PersonMention(name, role, wanted, matches[0].person_ids[0], f"{names[0]} ({wanted})")
    said = name or role or "unnamed person"
    base = f"{said} ({role})" if role and role != said else said
    if len(names) > 1:
        options = " or ".join(f"{n} ({wanted})" for n in names)
        return PersonMention(name, role, wanted, None, f"{base} {AMBIGUOUS_MARK} {options}", ambiguous=True)
    return PersonMention(name, role, wanted, None, f"{base} {UNIDENTIFIED_MARK}", ambiguous=True)


def age_at(dob: PartialDate | None, when: PartialDate | None) -> str | None:
    """Age in years and months, '~' when either date is only partly known."""
    if dob is None or when is None:
        return None
    born, then = dob.earliest(), when.earliest()
    if then < born:
        return "before birth"
    months = (then.year - born.year) * 12 + then.month - born.month - (then.day < born.day)
    approx = "~" if dob.precision != "day" or when.precision != "day" else ""
    return f"{approx}{months // 12}y {months % 12}m"


def load_entries(conn: Connection, record: ChildRecord) -> list[Entry]:
    rows = conn.execute(select(events_t).where(events_t.c.subject_id.in_(record.members))).all()
    entries = [_entry(row, record) for row in rows]
    _fill_groups(conn, entries)
    far_future = dt.date.max
    entries.sort(
        key=lambda e: (
            e.date is None,
            e.date.earliest() if e.date else far_future,
            e.seq if e.seq is not None else 0,
            e.time or dt.time.min,
            e.id,
        )
    )
    return entries


@dataclass(frozen=True, slots=True)
class EntryQuery:
    """A read of some of a child's events done in SQL: the filters SQL can apply exactly, and a slice.

    ``agencies`` are stored agency names (None: any); dates bound the event as the timeline's filter
    does (``date_to`` against its earliest day, ``date_from`` against its latest); ``ids`` picks events.
    """

    agencies: tuple[str, ...] | None = None
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    ids: tuple[int, ...] | None = None
    limit: int | None = None
    offset: int = 0


# When an event happened and in which lane: what every timeline read starts from.
WHEN_COLUMNS = (
    events_t.c.id,
    events_t.c.date,
    events_t.c.date_precision,
    events_t.c.date_uncertain,
    events_t.c.time,
    events_t.c.end_date,
    events_t.c.end_precision,
    events_t.c.end_uncertain,
    events_t.c.seq,
    events_t.c.agency,
)
# What the timeline's items and counts need: no narrative, people or provenance.
BRIEF_COLUMNS = (
    *WHEN_COLUMNS,
    events_t.c.event_type,
    events_t.c.categories,
    events_t.c.themes,
    events_t.c.summary,
    events_t.c.significant,
    events_t.c.batch_id,
    events_t.c.attributes,  # the child's role and the DASH level lead the item's label
)


# What the timeline's filters read (dates, agency, significance) with the incident cluster: no text and
# no JSON, whose decoding is most of the cost of reading thousands of events.
FILTERED_COLUMNS = (*WHEN_COLUMNS, events_t.c.significant, events_t.c.batch_id, groups_t.c.incident_cluster)
# Where an event sits on the timeline and its incident cluster: what placing and counting need.
PLACEMENT_COLUMNS = (
    events_t.c.id,
    events_t.c.date,
    events_t.c.date_precision,
    events_t.c.end_date,
    events_t.c.end_precision,
    events_t.c.agency,
    groups_t.c.incident_cluster,
)


class Placement(NamedTuple):
    """Where one event sits on the timeline: its first and last day (None when undated), lane, cluster."""

    id: int
    first: dt.date | None
    last: dt.date | None
    agency: str
    cluster: str | None


def _with_groups() -> Any:
    return events_t.outerjoin(groups_t, groups_t.c.event_id == events_t.c.id)


def load_placements(conn: Connection, record: ChildRecord, query: EntryQuery) -> list[Placement]:
    """Where each event the query picks sits, in the chronology's order: thousands of events placed
    and counted without building an ``Entry`` (or decoding a JSON column) for any of them."""
    sql = select(*PLACEMENT_COLUMNS).select_from(_with_groups()).where(*_where(record.members, query)).order_by(*_order())
    if query.limit is not None:
        sql = sql.limit(query.limit).offset(query.offset)
    placed = []
    for event_id, day, precision, end, end_precision, agency, cluster in conn.execute(sql):
        if day is None or precision in (None, "unknown"):
            placed.append(Placement(event_id, None, None, agency, cluster))
            continue
        last = day if end is None or end_precision in (None, "unknown") else max(day, _last_day(end, end_precision))
        placed.append(Placement(event_id, day, last, agency, cluster))
    return placed


def placement_of(entry: Entry) -> Placement:
    """The same placement for an entry already read (first day earliest, last the end's latest)."""
    if entry.date is None:
        return Placement(entry.id, None, None, entry.agency, entry.incident_cluster)
    first = entry.date.earliest()
    last = max(first, entry.end.latest()) if entry.end is not None else first
    return Placement(entry.id, first, last, entry.agency, entry.incident_cluster)


def _last_day(earliest: dt.date, precision: str) -> dt.date:
    """The stored date's latest day at its precision (``PartialDate.latest`` without building one)."""
    if precision == "day":
        return earliest
    if precision == "month":
        return dt.date(earliest.year + (earliest.month == 12), earliest.month % 12 + 1, 1) - dt.timedelta(days=1)
    return dt.date(earliest.year, 12, 31)


def read_child(conn: Connection, person_id: int) -> ChildRecord:
    """The child's identity and family, their analysis brought up to date, events not yet read."""
    record = load_child(conn, person_id, with_events=False)
    _bring_up_to_date(conn, record.person_id, record.members)
    return record


def agencies_of(conn: Connection, members: list[int]) -> list[str]:
    """The stored agency names on the child's events (to turn a top-agency filter into SQL)."""
    query = select(events_t.c.agency).where(events_t.c.subject_id.in_(members)).distinct()
    return sorted(conn.execute(query).scalars())


def _undated() -> ColumnElement[bool]:
    return or_(events_t.c.date.is_(None), events_t.c.date_precision == "unknown")


def _where(members: list[int], query: EntryQuery) -> list[ColumnElement[bool]]:
    where = [events_t.c.subject_id.in_(members)]
    if query.agencies is not None:
        where.append(events_t.c.agency.in_(query.agencies))
    if query.ids is not None:
        where.append(events_t.c.id.in_(query.ids))
    if query.date_from or query.date_to:
        where.append(~_undated())
    if query.date_to:
        where.append(events_t.c.date <= query.date_to)
    if query.date_from:
        day = query.date_from
        # the event's latest day is on or after ``date_from``: its earliest day, rounded to its precision
        where.append(
            or_(
                and_(events_t.c.date_precision == "day", events_t.c.date >= day),
                and_(events_t.c.date_precision == "month", events_t.c.date >= day.replace(day=1)),
                and_(events_t.c.date_precision == "year", events_t.c.date >= dt.date(day.year, 1, 1)),
            )
        )
    return where


def _order() -> list[Any]:
    """The chronology's order (``load_entries``): dated first, by day, sequence, time, id."""
    undated = _undated()
    return [
        case((undated, 1), else_=0),
        case((undated, None), else_=events_t.c.date),
        func.coalesce(events_t.c.seq, 0),
        events_t.c.time.asc().nulls_first(),
        events_t.c.id,
    ]


def count_entries(conn: Connection, record: ChildRecord, query: EntryQuery) -> int:
    where = _where(record.members, query)
    return int(conn.execute(select(func.count()).select_from(events_t).where(*where)).scalar() or 0)


def load_entries_where(conn: Connection, record: ChildRecord, query: EntryQuery, *, brief: bool = False) -> list[Entry]:
    """The events the query picks, in the chronology's order, sliced in SQL.

    ``brief`` entries carry dates, agency, type, categories, themes, summary, attributes and groups
    only (no people, narrative or provenance): enough to filter by agency, theme, date and significance,
    count and label, at a fraction of the cost of whole entries.
    """
    columns = BRIEF_COLUMNS if brief else (events_t,)
    sql = select(*columns).where(*_where(record.members, query)).order_by(*_order())
    if query.limit is not None:
        sql = sql.limit(query.limit).offset(query.offset)
    make = _brief_entry if brief else _entry
    entries = [make(row, record) for row in conn.execute(sql)]
    _fill_groups(conn, entries)
    return entries


def load_entries_to_filter(
    conn: Connection, record: ChildRecord, query: EntryQuery, *, themes: bool = False
) -> list[Entry]:
    """The events the query picks, in the chronology's order, carrying only what the timeline's filters
    other than a person read: dates, agency, the agency's significance, the incident cluster and
    (``themes``) the risk themes. Summary, type, categories, attributes, age and episode are left
    empty: the few events drawn as items are read again, brief (``load_brief_entries_among``)."""
    columns = FILTERED_COLUMNS + ((events_t.c.themes,) if themes else ())
    sql = select(*columns).select_from(_with_groups()).where(*_where(record.members, query)).order_by(*_order())
    return [_entry_to_filter(row, themes) for row in conn.execute(sql)]


def _entry_to_filter(row: Any, themes: bool) -> Entry:
    return Entry(
        id=row.id,
        date=_stored_date(row.date, row.date_precision, row.date_uncertain),
        date_text=None,
        time=row.time,
        end=_stored_date(row.end_date, row.end_precision, row.end_uncertain),
        end_time=None,
        seq=row.seq,
        agency=row.agency,
        source="",
        event_type="",
        categories=[],
        themes=list(row.themes or []) if themes else [],
        summary="",
        impact_on_child=None,
        action_outcome=None,
        analysis=None,
        significant=row.significant,
        child_voice=None,
        child_seen_alone=None,
        persons=[],
        attributes={},
        source_system="",
        source_file="",
        source_row=None,
        source_path=None,
        source_sheet=None,
        source_record_id=None,
        batch_id=row.batch_id,
        incident_cluster=row.incident_cluster,
    )


def load_brief_entries_among(
    conn: Connection,
    record: ChildRecord,
    ids: Collection[int],
    query: EntryQuery,
    start: dt.date | None,
    end: dt.date | None,
) -> list[Entry]:
    """These events, read brief in the chronology's order, when the query picks them all and they all
    touch the days from ``start`` to ``end``: found by those, not by a list of thousands of ids to bind."""
    wanted = set(ids)
    if not wanted:
        return []
    where = _where(record.members, query)
    if end is not None:
        where.append(events_t.c.date <= end)
    if start is not None:
        # an end date at year precision may reach a year past its stored (earliest) day
        reach = start - dt.timedelta(days=366)
        where.append(or_(events_t.c.date >= start, events_t.c.end_date >= reach))
    groups = (groups_t.c.incident_cluster, groups_t.c.episode, groups_t.c.unmatched_refs)
    sql = select(*BRIEF_COLUMNS, *groups).select_from(_with_groups()).where(*where).order_by(*_order())
    entries = []
    for row in conn.execute(sql):
        if row.id in wanted:
            entry = _brief_entry(row, record)
            entry.incident_cluster, entry.episode = row.incident_cluster, row.episode
            entry.unmatched_refs = list(row.unmatched_refs or ())
            entries.append(entry)
    return entries


def _brief_entry(row: Any, record: ChildRecord) -> Entry:
    date = _stored_date(row.date, row.date_precision, row.date_uncertain)
    return Entry(
        id=row.id,
        date=date,
        date_text=None,
        time=row.time,
        end=_stored_date(row.end_date, row.end_precision, row.end_uncertain),
        end_time=None,
        seq=row.seq,
        agency=row.agency,
        source="",
        event_type=row.event_type,
        categories=list(row.categories or []),
        themes=list(row.themes or []),
        summary=row.summary,
        impact_on_child=None,
        action_outcome=None,
        analysis=None,
        significant=row.significant,
        child_voice=None,
        child_seen_alone=None,
        persons=[],
        attributes=dict(row.attributes or {}),
        source_system="",
        source_file="",
        source_row=None,
        source_path=None,
        source_sheet=None,
        source_record_id=None,
        batch_id=row.batch_id,
        age_at_event=age_at(record.dob, date),
    )


def _fill_groups(conn: Connection, entries: list[Entry]) -> None:
    """Incident cluster and episode from the stored link graph (``chronology link``), when built."""
    by_id = {entry.id: entry for entry in entries}
    ids = sorted(by_id)
    for start in range(0, len(ids), 2_000):
        query = select(
            groups_t.c.event_id, groups_t.c.incident_cluster, groups_t.c.episode, groups_t.c.unmatched_refs
        ).where(groups_t.c.event_id.in_(ids[start : start + 2_000]))
        for event_id, cluster, episode, unmatched in conn.execute(query):
            entry = by_id[int(event_id)]
            entry.incident_cluster, entry.episode = cluster, episode
            entry.unmatched_refs = list(unmatched or ())


def _stored_date(value: dt.date | None, precision: str | None, uncertain: bool) -> PartialDate | None:
    if value is None or precision in (None, "unknown"):
        return None
    return PartialDate.from_stored(value, precision, uncertain)


def _entry(row: Any, record: ChildRecord) -> Entry:
    date = _stored_date(row.date, row.date_precision, row.date_uncertain)
    return Entry(
        id=row.id,
        date=date,
        date_text=row.date_text,
        time=row.time,
        end=_stored_date(row.end_date, row.end_precision, row.end_uncertain),
        end_time=row.end_time,
        seq=row.seq,
        agency=row.agency,
        source=row.source,
        event_type=row.event_type,
        categories=list(row.categories or []),
        themes=list(row.themes or []),
        summary=row.summary,
        impact_on_child=row.impact_on_child,
        action_outcome=row.action_outcome,
        analysis=row.analysis,
        significant=row.significant,
        child_voice=row.child_voice,
        child_seen_alone=row.child_seen_alone,
        persons=[describe_mention(m, record.family) for m in row.persons or []],
        attributes=dict(row.attributes or {}),
        source_system=row.source_system,
        source_file=row.source_file,
        source_row=row.source_row,
        source_path=row.source_path,
        source_sheet=row.source_sheet,
        source_record_id=row.source_record_id,
        references=[dict(ref) for ref in row.refs or ()],
        batch_id=row.batch_id,
        age_at_event=age_at(record.dob, date),
    )


def log_access(
    conn: Connection,
    *,
    actor: str,
    action: str,
    person_id: int | None,
    detail: str,
    reason: str | None = None,
) -> None:
    """Append to the access log (who, when, what, why). The database refuses edits to it. With
    ``CHRONOLOGY_ACCESS_LOG_SYSLOG`` set, the same entry is also sent to syslog as it is written."""
    entry = {"at": utcnow(), "actor": actor, "action": action, "person_id": person_id, "detail": detail,
             "reason": reason}
    conn.execute(insert(AccessLog.__table__).values(**entry))
    if access_syslog.enabled():
        access_syslog.ship(child=_la_child_id(conn, person_id), **entry)


def _la_child_id(conn: Connection, person_id: int | None) -> str | None:
    """The child's LA child ID for the syslog copy, so it reads without the database's row ids."""
    if person_id is None:
        return None
    return conn.execute(
        select(PersonIdentifier.value)
        .where(PersonIdentifier.person_id == person_id, PersonIdentifier.kind == IdentifierKind.LA_CHILD_ID.value)
        .order_by(PersonIdentifier.id)
        .limit(1)
    ).scalar()


def events_by_agency(record: ChildRecord) -> dict[str, int]:
    counts: dict[str, int] = defaultdict(int)
    for entry in record.entries:
        counts[entry.agency] += 1
    return dict(counts)
