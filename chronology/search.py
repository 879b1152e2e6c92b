"""Finding a child by name, date of birth or any identifier, a page at a time.

Built for an authority of 20,000 children: identifiers and dates of birth are looked up through
their indexes; a name is matched word by word against the normalised ``name_key``; matches are
turned into children (merge roots) in one recursive query, and only the page shown is filled in.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from sqlalchemy import Connection, and_, func, or_, select, text

from chronology.dates import DateParseError, parse_date
from chronology.db.chunks import chunks
from chronology.db.models import Event, MatchSuggestion, Person, PersonIdentifier
from chronology.events import IdentifierKind, PartialDate, Precision
from chronology.identifiers import normalise_nhs_number, normalise_upn
from chronology.people import name_key, roots_of
from chronology.plan_status import CurrentPlan, current_plans
from chronology.record import age_at

persons_t = Person.__table__
identifiers_t = PersonIdentifier.__table__
events_t = Event.__table__
suggestions_t = MatchSuggestion.__table__

SHOWN_IDENTIFIERS = (
    IdentifierKind.LA_CHILD_ID,
    IdentifierKind.NHS_NUMBER,
    IdentifierKind.UPN,
    IdentifierKind.POLICE_NOMINAL_ID,
)


@dataclass(slots=True)
class ChildHit:
    person_id: int  # the child's merge root: what a child's pages are addressed by
    name: str | None
    dob: PartialDate | None
    age: str | None
    identifiers: dict[str, list[str]] = field(default_factory=dict)
    agencies: list[str] = field(default_factory=list)
    plan: CurrentPlan | None = None
    pending_suggestions: int = 0  # possible matches with other records, waiting for a person's decision
    # Other records a pending suggestion says may be this child (health or school fragments not yet
    # joined): shown under this result, so opening it does not silently miss their history.
    possible_same: list[ChildHit] = field(default_factory=list)


@dataclass(slots=True)
class SearchResult:
    query: str
    hits: list[ChildHit]
    total: int
    page: int
    page_size: int
    too_many: bool = False  # more than max_matches: narrow the search

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def search_children(
    conn: Connection,
    query: str,
    *,
    page: int = 1,
    page_size: int = 20,
    max_matches: int = 2000,
    today: dt.date | None = None,
) -> SearchResult:
    """Children matching every part of ``query``: a date is a date of birth; other words are a name
    (each word starts a word of the name) or, as a whole, an identifier."""
    query = " ".join(query.split())
    dob, words = _split_query(query)
    person_ids = _matching_people(conn, dob, words, max_matches + 1)
    roots = _roots(conn, person_ids)
    too_many = len(person_ids) > max_matches
    results = _possible_children(conn, _order_by_name(conn, roots))
    total = len(results)
    page = max(1, page)
    shown = results[(page - 1) * page_size : page * page_size]
    filled = {hit.person_id: hit for hit in _fill(conn, [r for group in shown for r in group], today or dt.date.today())}
    return SearchResult(query, [_lead(group, filled) for group in shown], total, page, page_size, too_many)


def _possible_children(conn: Connection, ordered: list[int]) -> list[list[int]]:
    """The matching records grouped by pending suggestions into possible children, in name order of
    each group's first match; a record linked to a match but not itself matching joins that group."""
    links = possible_same(conn, ordered)
    group_of: dict[int, int] = {}
    groups: list[list[int]] = []
    for root in ordered:
        if root in group_of:
            continue
        index = len(groups)
        group, todo = [], [root]
        while todo:
            current = todo.pop()
            if current in group_of:
                continue
            group_of[current] = index
            group.append(current)
            todo += [other for other in links.get(current, ()) if other not in group_of]
        groups.append(group)
    return groups


def _lead(group: list[int], filled: dict[int, ChildHit]) -> ChildHit:
    """One result for a possible child: the record most agencies know leads, the others under it."""
    hits = [filled[root] for root in group if root in filled]
    lead = max(hits, key=lambda hit: (len(hit.agencies), -hit.person_id))
    lead.possible_same = [hit for hit in hits if hit is not lead]
    return lead


def child_hits(conn: Connection, roots: list[int], today: dt.date | None = None) -> list[ChildHit]:
    """Search's description of each record (name, date of birth, identifiers, plan, agencies)."""
    return _fill(conn, roots, today or dt.date.today())


def _split_query(query: str) -> tuple[dt.date | None, list[str]]:
    dob = None
    words = []
    for token in query.split():
        try:
            parsed = parse_date(token)
        except DateParseError:
            parsed = None
        if parsed is not None and parsed.precision == Precision.DAY and dob is None:
            dob = parsed.earliest()
        else:
            words.append(token)
    return dob, words


def _identifier_matches(words: list[str]):  # type: ignore[no-untyped-def]
    """(kind, value) pairs the text could be: NHS number, UPN, LA child ID or police nominal ID."""
    raw = " ".join(words)
    pairs = {(IdentifierKind.LA_CHILD_ID.value, raw), (IdentifierKind.POLICE_NOMINAL_ID.value, raw)}
    compact = raw.replace(" ", "")
    nhs = normalise_nhs_number(compact)
    if nhs and len(nhs) == 10 and nhs.isdigit():
        pairs.add((IdentifierKind.NHS_NUMBER.value, nhs))
    upn = normalise_upn(compact)
    if upn:
        pairs |= {(IdentifierKind.UPN.value, upn), (IdentifierKind.FORMER_UPN.value, upn)}
    return or_(*(and_(identifiers_t.c.kind == kind, identifiers_t.c.value == value) for kind, value in pairs))


def _matching_people(conn: Connection, dob: dt.date | None, words: list[str], limit: int) -> list[int]:
    if not words and dob is None:
        return []
    conditions = [persons_t.c.is_child.is_(True)]
    if dob is not None:
        conditions.append(persons_t.c.dob == dob)
    found: set[int] = set()
    if words:
        by_identifier = select(identifiers_t.c.person_id).where(_identifier_matches(words))
        found |= set(
            conn.execute(
                select(persons_t.c.id).where(persons_t.c.id.in_(by_identifier), *conditions).limit(limit)
            ).scalars()
        )
        # Tokens with digits are identifiers, never names ("LA0000008" must not match "Layla").
        name_words = (name_key(" ".join(w for w in words if not any(c.isdigit() for c in w))) or "").split()
        if name_words:
            name_match = [
                or_(persons_t.c.name_key.like(f"{w}%"), persons_t.c.name_key.like(f"% {w}%")) for w in name_words
            ]
            found |= set(
                conn.execute(select(persons_t.c.id).where(*name_match, *conditions).limit(limit)).scalars()
            )
    else:
        found |= set(conn.execute(select(persons_t.c.id).where(*conditions).limit(limit)).scalars())
    return sorted(found)[:limit]


_ROOTS = text(
    """
    WITH RECURSIVE up(start_id, id, parent) AS (
        SELECT id, id, merged_into_id FROM persons WHERE id IN ({ids})
        UNION ALL
        SELECT up.start_id, p.id, p.merged_into_id FROM persons p JOIN up ON p.id = up.parent
    )
    SELECT DISTINCT id FROM up WHERE parent IS NULL
    """
)


def _roots(conn: Connection, person_ids: list[int]) -> list[int]:
    if not person_ids:
        return []
    ids = ",".join(str(int(i)) for i in person_ids)  # integers from our own query, never user text
    return [int(r) for r in conn.execute(text(_ROOTS.text.format(ids=ids))).scalars()]


def _order_by_name(conn: Connection, roots: list[int]) -> list[int]:
    if not roots:
        return []
    rows = conn.execute(
        select(persons_t.c.id, persons_t.c.surname, persons_t.c.display_name).where(persons_t.c.id.in_(roots))
    )
    return [
        row.id
        for row in sorted(rows, key=lambda r: ((r.surname or r.display_name or "~").lower(), (r.display_name or ""), r.id))
    ]


_MEMBERS = """
    WITH RECURSIVE grp(root_id, id) AS (
        SELECT id, id FROM persons WHERE id IN ({ids})
        UNION ALL
        SELECT grp.root_id, p.id FROM persons p JOIN grp ON p.merged_into_id = grp.id
    )
    SELECT root_id, id FROM grp
"""


def groups_of(conn: Connection, roots: list[int]) -> dict[int, list[int]]:
    """Each root's source person ids (itself and everyone merged into it), in one query."""
    if not roots:
        return {}
    ids = ",".join(str(int(i)) for i in roots)
    groups: dict[int, list[int]] = {root: [] for root in roots}
    for root_id, person_id in conn.execute(text(_MEMBERS.format(ids=ids))):
        groups[int(root_id)].append(int(person_id))
    return groups


def _fill(conn: Connection, roots: list[int], today: dt.date) -> list[ChildHit]:
    groups = groups_of(conn, roots)
    owner = {member: root for root, members in groups.items() for member in members}
    names: dict[int, Counter[str]] = defaultdict(Counter)
    dobs: dict[int, list[tuple[int, PartialDate]]] = defaultdict(list)
    precision_rank = {"day": 0, "month": 1, "year": 2}
    for row in conn.execute(
        select(persons_t.c.id, persons_t.c.display_name, persons_t.c.dob, persons_t.c.dob_precision).where(
            persons_t.c.id.in_(list(owner))
        )
    ):
        root = owner[row.id]
        if row.display_name:
            names[root][row.display_name] += 1
        if row.dob:
            precision = row.dob_precision or "day"
            dobs[root].append(
                (precision_rank.get(precision, 3), PartialDate.from_stored(row.dob, precision, False))
            )
    identifiers: dict[int, dict[str, list[str]]] = defaultdict(dict)
    for row in conn.execute(
        select(identifiers_t.c.person_id, identifiers_t.c.kind, identifiers_t.c.value)
        .where(
            identifiers_t.c.person_id.in_(list(owner)),
            identifiers_t.c.valid.is_(True),
            identifiers_t.c.kind.in_([k.value for k in SHOWN_IDENTIFIERS]),
        )
        .order_by(identifiers_t.c.id)
    ):
        values = identifiers[owner[row.person_id]].setdefault(row.kind, [])
        if row.value not in values:
            values.append(row.value)
    agencies: dict[int, set[str]] = defaultdict(set)
    for subject_id, agency in conn.execute(
        select(events_t.c.subject_id, events_t.c.agency).where(events_t.c.subject_id.in_(list(owner))).distinct()
    ):
        agencies[owner[subject_id]].add(agency)
    plans = current_plans(conn, groups)
    pending: Counter[int] = Counter()
    for side in (suggestions_t.c.person_a_id, suggestions_t.c.person_b_id):
        for person_id in conn.execute(
            select(side).where(suggestions_t.c.status == "pending", side.in_(list(owner)))
        ).scalars():
            pending[owner[person_id]] += 1
    today_date = PartialDate.from_date(today)
    hits = []
    for root in roots:
        dob = min(dobs[root], key=lambda pair: pair[0])[1] if dobs[root] else None
        hits.append(
            ChildHit(
                person_id=root,
                name=names[root].most_common(1)[0][0] if names[root] else None,
                dob=dob,
                age=age_at(dob, today_date),
                identifiers=identifiers[root],
                agencies=sorted(agencies[root]),
                plan=plans.get(root),
                pending_suggestions=pending[root],
            )
        )
    return hits


def list_children(
    conn: Connection, *, page: int = 1, page_size: int = 20, today: dt.date | None = None
) -> SearchResult:
    """Every child (one per merge root), in id order, a page at a time: the cohort an audit reads."""
    where = (persons_t.c.is_child.is_(True), persons_t.c.merged_into_id.is_(None))
    total = conn.execute(select(func.count()).select_from(persons_t).where(*where)).scalar_one()
    page = max(1, page)
    roots = list(
        conn.execute(
            select(persons_t.c.id).where(*where).order_by(persons_t.c.id).limit(page_size).offset((page - 1) * page_size)
        ).scalars()
    )
    return SearchResult("", _fill(conn, roots, today or dt.date.today()), int(total), page, page_size)


def possible_same(conn: Connection, roots: Iterable[int]) -> dict[int, set[int]]:
    """For each of ``roots``, the other records (roots) a pending suggestion says may be the same child."""
    wanted = set(roots)
    if not wanted:
        return {}
    members = groups_of(conn, sorted(wanted))
    owner = {member: root for root, listed in members.items() for member in listed}
    pairs = []
    for part in chunks(sorted(owner)):
        pairs += conn.execute(
            select(suggestions_t.c.person_a_id, suggestions_t.c.person_b_id).where(
                suggestions_t.c.status == "pending",
                or_(suggestions_t.c.person_a_id.in_(part), suggestions_t.c.person_b_id.in_(part)),
            )
        ).all()
    roots = roots_of(conn, {p for pair in pairs for p in pair})
    linked: dict[int, set[int]] = defaultdict(set)
    for a, b in pairs:
        root_a, root_b = roots.get(a, a), roots.get(b, b)
        if root_a == root_b:
            continue
        for here, there in ((root_a, root_b), (root_b, root_a)):
            if here in wanted:
                linked[here].add(there)
    return dict(linked)


def _members(conn: Connection, roots: set[int]) -> dict[int, list[int]]:
    from chronology.search import groups_of

    return groups_of(conn, sorted(roots))
