"""People and identity: one child across agencies, by rules a data officer can read and undo.

Each source's view of a person is kept as its own row ("source person"). Deterministic matches join
them by pointing one group's root at the person whose identifier matched (``merged_into_id``), and
every join is a ``PersonMerge`` row saying how it was made. Undoing a merge detaches that subtree
and records the pair as rejected so a re-import does not join them again.

Order of trust (import spec, "Identifiers"): a valid NHS number, then a valid UPN or former UPN,
then the LA child ID. Invalid identifiers are kept, flagged, and never used to join on their own.
Name + date of birth only ever *suggests* a match for a person to confirm.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import difflib
import re
import unicodedata
from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, bindparam, insert, or_, select, text, update

from chronology.analysis_queue import queue_persons
from chronology.bulk_insert import insert_rows
from chronology.db.chunks import chunks
from chronology.db.models import MatchSuggestion, Person, PersonIdentifier, PersonMerge, utcnow
from chronology.events import Identifier, IdentifierKind, PersonRef
from chronology.identifier_index import Holder, IdentifierIndex
from chronology.identifiers import nhs_number_problem, normalise_nhs_number, normalise_upn, upn_problem
from chronology.person_facts import FactRecorder

persons_t = Person.__table__
identifiers_t = PersonIdentifier.__table__
merges_t = PersonMerge.__table__
suggestions_t = MatchSuggestion.__table__

# Kinds that join people across agencies, in order of trust. UPN and former UPN match each other.
MATCH_ORDER: tuple[tuple[IdentifierKind, ...], ...] = (
    (IdentifierKind.NHS_NUMBER,),
    (IdentifierKind.UPN, IdentifierKind.FORMER_UPN),
    (IdentifierKind.LA_CHILD_ID,),
)
METHOD_WORDS = {
    IdentifierKind.NHS_NUMBER: "NHS number",
    IdentifierKind.UPN: "UPN",
    IdentifierKind.FORMER_UPN: "former UPN",
    IdentifierKind.LA_CHILD_ID: "LA child ID",
}


@dataclass(frozen=True, slots=True)
class CheckedIdentifier:
    kind: IdentifierKind
    scope: str
    value: str
    valid: bool
    problem: str | None


def check_identifier(identifier: Identifier) -> CheckedIdentifier:
    """Normalise an identifier and say whether it passes its check (NHS modulus 11, UPN check letter)."""
    kind = IdentifierKind(identifier.kind)
    raw = identifier.value.strip()
    if kind is IdentifierKind.NHS_NUMBER:
        value = normalise_nhs_number(raw) or raw
        problem = nhs_number_problem(raw)
    elif kind in (IdentifierKind.UPN, IdentifierKind.FORMER_UPN):
        value = normalise_upn(raw) or raw
        problem = upn_problem(raw)
    else:
        value, problem = raw, None if raw else "blank"
    return CheckedIdentifier(kind, identifier.scope or "", value, problem is None, problem)


def name_key(name: str | None) -> str | None:
    """Lower-case, accent-free, punctuation-free name for comparing ("O'Brien-Smith" ~ "obrien smith")."""
    if not name:
        return None
    folded = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii").lower()
    folded = re.sub(r"[^a-z ]+", " ", folded.replace("'", ""))
    return " ".join(folded.split()) or None


def root_of(conn: Connection, person_id: int) -> int:
    """The person a chain of merges ends at (the group's representative)."""
    seen = set()
    current = person_id
    while True:
        parent = conn.execute(select(persons_t.c.merged_into_id).where(persons_t.c.id == current)).scalar()
        if parent is None or current in seen:
            return current
        seen.add(current)
        current = parent


def roots_of(conn: Connection, person_ids: Iterable[int]) -> dict[int, int]:
    """Each person's group root, with one query per level of the merge tree rather than per person."""
    parent: dict[int, int | None] = {}
    pending = set(person_ids)
    while pending:
        asked = sorted(pending)
        rows = [
            row
            for part in chunks(asked)
            for row in conn.execute(
                select(persons_t.c.id, persons_t.c.merged_into_id).where(persons_t.c.id.in_(part))
            )
        ]
        found = {int(i): (int(m) if m is not None else None) for i, m in rows}
        parent.update(found)
        parent.update(dict.fromkeys(pending - found.keys()))
        pending = {m for m in found.values() if m is not None and m not in parent}
    roots: dict[int, int] = {}
    for person in parent:
        current, seen = person, set()
        while (up := parent.get(current)) is not None and current not in seen:
            seen.add(current)
            current = up
        roots[person] = current
    return roots


def group_members(conn: Connection, person_id: int) -> list[int]:
    """Every source person joined to ``person_id``'s group (its root and all below it)."""
    root = root_of(conn, person_id)
    query = text(
        """
        WITH RECURSIVE grp(id) AS (
            SELECT id FROM persons WHERE id = :root
            UNION
            SELECT p.id FROM persons p JOIN grp ON p.merged_into_id = grp.id
        )
        SELECT id FROM grp
        """
    )
    return sorted(int(row[0]) for row in conn.execute(query, {"root": root}))


RESOLVER_CACHE_SIZE = 10_000  # people remembered per import; a miss costs one query, not a wrong answer (bench: a 5k or 50k cache import equally fast)
IDENTIFIERS_REMEMBERED = 40_000  # identifiers whose holders an import keeps at hand (a batch's, and recent ones)


def match_group(kind: str) -> tuple[str, ...]:
    """The kinds an identifier of ``kind`` matches (a UPN matches a former UPN): values of ``MATCH_ORDER``."""
    return _MATCH_GROUPS.get(kind) or (kind,)


_MATCH_GROUPS = {k.value: tuple(m.value for m in group) for group in MATCH_ORDER for k in group}
_INSERT_PERSON = insert(persons_t).returning(persons_t.c.id)
_PERSON_ROW = select(
    persons_t.c.display_name, persons_t.c.dob, persons_t.c.sex, persons_t.c.attributes
).where(persons_t.c.id == bindparam("person_id"))


class _BoundedCache:
    """Least-recently-used map, so an import's memory does not grow with the number of people in it."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._items: OrderedDict[Any, Any] = OrderedDict()

    def get(self, key: Any) -> Any:
        value = self._items.get(key)
        if value is not None:
            self._items.move_to_end(key)
        return value

    def peek(self, key: Any) -> Any:
        """The value without counting it as used (a look ahead is not a use)."""
        return self._items.get(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        self._items[key] = value
        self._items.move_to_end(key)
        if len(self._items) > self.size:
            self._items.popitem(last=False)


class MergeForest:
    """The merge tree and the rejected pairs, held in memory for one import transaction.

    Finding a record's group is then a walk in a dict instead of a query per step; the resolver is
    the only writer in its transaction, so it keeps this in step with what it writes.
    """

    def __init__(self, conn: Connection) -> None:
        self.parent: dict[int, int] = {
            int(child): int(parent)
            for child, parent in conn.execute(
                select(persons_t.c.id, persons_t.c.merged_into_id).where(
                    persons_t.c.merged_into_id.is_not(None)
                )
            )
        }
        self.children: dict[int, set[int]] = defaultdict(set)
        for child, parent in self.parent.items():
            self.children[parent].add(child)
        self.rejected: set[frozenset[int]] = {
            frozenset((int(a), int(b)))
            for a, b in conn.execute(
                select(suggestions_t.c.person_a_id, suggestions_t.c.person_b_id).where(
                    suggestions_t.c.status == "rejected"
                )
            )
        }

    def root(self, person_id: int) -> int:
        seen = set()
        while person_id in self.parent and person_id not in seen:
            seen.add(person_id)
            person_id = self.parent[person_id]
        return person_id

    def members(self, person_id: int) -> list[int]:
        root = self.root(person_id)
        found, todo = [root], [root]
        while todo:
            for child in self.children.get(todo.pop(), ()):
                found.append(child)
                todo.append(child)
        return sorted(found)

    def join(self, merged: int, into: int) -> None:
        self.parent[merged] = into
        self.children[into].add(merged)

    def blocked(self, group_a: list[int], group_b: list[int]) -> bool:
        if not self.rejected:
            return False
        return any(frozenset((a, b)) in self.rejected for a in group_a for b in group_b)


class PersonResolver:
    """Finds or creates the source person behind a ``PersonRef`` and joins it to other agencies' records.

    Used inside one import transaction; caches what it has resolved so a million rows about a few
    thousand children cost a few thousand queries, not millions. What it writes of identifiers is
    buffered until ``flush`` (or until something reads them back), and the identifiers of a batch of
    rows can be looked up together beforehand (``prefetch``), so a new person costs no lookup query.
    """

    def __init__(self, conn: Connection, batch_id: int | None, actor: str) -> None:
        self.conn = conn
        self.batch_id = batch_id
        self.actor = actor
        self._cache = _BoundedCache(RESOLVER_CACHE_SIZE)
        self._rows = _BoundedCache(RESOLVER_CACHE_SIZE)  # person id -> name, dob, sex, attributes held
        self._pending_identifiers: list[dict] = []
        self._unwritten_nhs: dict[int, set[str]] = defaultdict(set)  # valid ones among those, by person
        self._pending_merges: list[dict] = []
        # Children this import created -> holders of their local identifiers ("<child id>/<name>", see
        # ``local_ref``) by value: nothing stored before this import can hold one, so none is asked for.
        self._new_children = _BoundedCache(RESOLVER_CACHE_SIZE)
        self.index = IdentifierIndex(conn, match_group, IDENTIFIERS_REMEMBERED, self._write_identifiers)
        self.forest = MergeForest(conn)
        self.new_persons = 0
        self.merges = 0
        # Dates of birth this import gave to people created earlier without a name or date of birth
        # (a child known by LA child ID, later named by a case note): they can match now, too.
        self.completed_dobs: set[dt.date] = set()
        self.facts = FactRecorder(conn, batch_id)

    # --- batches -------------------------------------------------------------------------------
    def prefetch(self, wanted: Iterable[tuple[PersonRef, str, bool]]) -> None:
        """Look up at once the identifiers of references (ref, source, is_child) about to be resolved,
        skipping those already resolved in this import: one query per kind and chunk, not per row."""
        keys, seen = [], set()
        for ref, source_system, is_child in wanted:
            if not ref.identifiers:
                continue
            raw_key = self._raw_key(ref, source_system, is_child)
            if raw_key in seen or self._cache.peek(raw_key) is not None:
                continue
            seen.add(raw_key)
            keys.extend(
                self.index.key(c.kind.value, c.scope, c.value)
                for c in (check_identifier(i) for i in ref.identifiers if i.value and i.value.strip())
            )
        self.index.fetch(keys)

    def known_id(self, ref: PersonRef, source_system: str, is_child: bool = True) -> int | None:
        """The person this import already resolved ``ref`` to, if it still remembers (a look ahead)."""
        if not ref.identifiers:
            return None
        return self._cache.peek(self._raw_key(ref, source_system, is_child))

    def flush(self) -> None:
        """Write what is buffered: identifiers given and facts stated since the last flush."""
        self._write_identifiers()
        self._write_merges()
        self.facts.flush()

    def _write_identifiers(self) -> None:
        if self._pending_identifiers:
            insert_rows(self.conn, identifiers_t, self._pending_identifiers)
            self._pending_identifiers = []
            self._unwritten_nhs.clear()

    def _write_merges(self) -> None:
        """The joins made since the last flush, and their people queued as ``record_merge`` would:
        each person with the method of the first join that touched them."""
        if not self._pending_merges:
            return
        first_why: dict[int, str] = {}
        for row in self._pending_merges:
            for person in (row["merged_id"], row["into_id"]):
                first_why.setdefault(person, f"merged by {row['method']}")
        by_why: dict[str, list[int]] = defaultdict(list)
        for person, why in first_why.items():
            by_why[why].append(person)
        for why, persons in by_why.items():
            queue_persons(self.conn, persons, why)
        insert_rows(self.conn, merges_t, self._pending_merges)
        self._pending_merges = []

    @staticmethod
    def _raw_key(ref: PersonRef, source_system: str, is_child: bool) -> tuple:
        return (source_system, is_child, tuple((i.kind, i.scope, i.value) for i in ref.identifiers))

    # --- subjects -------------------------------------------------------------------------------
    def resolve(
        self,
        ref: PersonRef,
        source_system: str,
        *,
        is_child: bool = True,
        attributes: dict[str, str] | None = None,
        where: tuple[str | None, int | None] | None = None,
    ) -> int:
        """The id of this source's record of the person, created if new, joined to matches.

        ``attributes`` (from an identity-only record) are kept on the person, added to what was there.
        Every date of birth, sex and name the reference states is kept with ``where`` (file, row) it was
        read, even when the person already has another (``chronology.person_facts``).
        """
        person_id = self._resolve(ref, source_system, is_child=is_child, attributes=attributes)
        file_name, row = where or (None, None)
        self.facts.note(person_id, ref, source_system, file_name, row)
        return person_id

    def _resolve(
        self,
        ref: PersonRef,
        source_system: str,
        *,
        is_child: bool,
        attributes: dict[str, str] | None,
    ) -> int:
        raw_key = self._raw_key(ref, source_system, is_child)
        cached = self._cache.get(raw_key) if ref.identifiers else None
        if cached is not None:
            return self._found_again(cached, ref, attributes)
        checked = [check_identifier(i) for i in ref.identifiers if i.value and i.value.strip()]
        key = self._cache_key(ref, source_system, checked, is_child)
        cached = self._cache.get(key)
        if cached is not None:
            if ref.identifiers:
                self._cache[raw_key] = cached
            return self._found_again(cached, ref, attributes)
        holders = self._holders(checked, source_system)
        person_id = self._find_in_source(ref, source_system, checked, is_child, holders)
        if person_id is None:
            person_id = self._create(ref, source_system, is_child)
            added = checked
        else:
            added = self._missing_identifiers(person_id, checked, holders)
            self._fill_blanks(person_id, ref)
        if added:
            self._add_identifiers(person_id, added, source_system, is_child)
            self._join_matches(person_id, [c for c in added if c.valid], holders)
        self._cache[key] = person_id
        if ref.identifiers:
            self._cache[raw_key] = person_id
        if attributes:
            self._keep_attributes(person_id, attributes)
        return person_id

    def _found_again(self, person_id: int, ref: PersonRef, attributes: dict[str, str] | None) -> int:
        """A person this import found already: a later row may still name them, date their birth or
        give their sex (first seen by ID alone), or an identity record add attributes."""
        if ref.sex or ref.dob is not None or ref.name or ref.surname or ref.forenames:
            self._fill_blanks(person_id, ref)
        if attributes:
            self._keep_attributes(person_id, attributes)
        return person_id

    def _holders(self, checked: list[CheckedIdentifier], source_system: str) -> list[Holder]:
        """Every holder, stored or written by this import, of each identifier (UPN and former UPN
        count as one kind), ordered by person."""
        known: list[Holder] = []
        asked = []
        for c in checked:
            local = self._local_holders(c, source_system)
            if local is None:
                asked.append(self.index.key(c.kind.value, c.scope, c.value))
            else:
                known.extend(local.get(c.value, ()))
        if not known:
            return self.index.holders(asked)
        return sorted([*known, *self.index.holders(asked)], key=lambda h: h.person_id)

    def _local_holders(self, c: CheckedIdentifier, source_system: str) -> dict[str, list[Holder]] | None:
        """For a local identifier of a child this import created: its holders by value (else None)."""
        if c.kind is not IdentifierKind.SOURCE_PERSON_ID or c.scope != source_system:
            return None
        child, slash, _ = c.value.partition("/")
        if not slash or not child.isdigit():
            return None
        return self._new_children.peek(int(child))

    def _fill_blanks(self, person_id: int, ref: PersonRef) -> None:
        """A later record of the same source may name someone first seen only by ID ("P123:father")."""
        row = self._person_row(person_id)
        values: dict[str, object] = {}
        display = ref.display_name()
        if not row["display_name"] and display:
            values.update(
                display_name=display, surname=ref.surname, forenames=ref.forenames, name_key=name_key(display)
            )
        if row["dob"] is None and ref.dob is not None:
            values.update(dob=ref.dob.earliest(), dob_precision=ref.dob.precision.value)
        if not row["sex"] and ref.sex:
            values["sex"] = ref.sex
        if values:
            self.conn.execute(update(persons_t).where(persons_t.c.id == person_id).values(**values))
            dob = values.get("dob", row["dob"])
            row.update((name, values[name]) for name in ("display_name", "dob", "sex") if name in values)
            if isinstance(dob, dt.date) and ("dob" in values or "display_name" in values):
                self.completed_dobs.add(dob)

    def _keep_attributes(self, person_id: int, attributes: dict[str, str]) -> None:
        row = self._person_row(person_id)
        held = row["attributes"] or {}
        merged = {**held, **attributes}
        if merged != held:
            self.conn.execute(update(persons_t).where(persons_t.c.id == person_id).values(attributes=merged))
            row["attributes"] = merged

    def _person_row(self, person_id: int) -> dict[str, Any]:
        """The person's name, dob, sex and attributes as stored: remembered once read or written."""
        row = self._rows.get(person_id)
        if row is None:
            stored = self.conn.execute(_PERSON_ROW, {"person_id": person_id}).one()
            row = {
                "display_name": stored.display_name,
                "dob": stored.dob,
                "sex": stored.sex,
                "attributes": stored.attributes,
            }
            self._rows[person_id] = row
        return row

    def resolve_named_person(
        self,
        child_id: int,
        ref: PersonRef,
        source_system: str,
        where: tuple[str | None, int | None] | None = None,
    ) -> int | None:
        """A person named in an event (an adult or sibling): found by their identifiers where given,
        otherwise by name within this child's record at this source. Role-only names ("Dad") are not
        people and are resolved when the chronology is read, against the child's known family."""
        from chronology.vocabulary import is_role_only_name

        if not ref.identifiers:
            name = ref.display_name()
            if not name or is_role_only_name(name):
                return None
            local = (IdentifierKind.SOURCE_PERSON_ID, source_system, local_value(child_id, name))
            known = self._cache.get((source_system, False, (local,)))
            if known is not None:  # named in this child's record before: no reference to build
                file_name, row = where or (None, None)
                self.facts.note(known, ref, source_system, file_name, row)
                return known
            ref = local_ref(child_id, ref, source_system)
        return self.resolve(ref, source_system, is_child=False, where=where)

    # --- internals ------------------------------------------------------------------------------
    @staticmethod
    def _cache_key(
        ref: PersonRef, source_system: str, checked: list[CheckedIdentifier], is_child: bool
    ) -> tuple:
        if checked:
            return (source_system, is_child, tuple(sorted((c.kind, c.scope, c.value) for c in checked)))
        dob = ref.dob.iso() if ref.dob else None
        return (source_system, is_child, "name", name_key(ref.display_name()), dob)

    def _find_in_source(
        self,
        ref: PersonRef,
        source_system: str,
        checked: list[CheckedIdentifier],
        is_child: bool,
        holders: list[Holder],
    ) -> int | None:
        """A person this same source already gave us, by any identifier it used (valid or not: a
        source's own mistyped number still names the same record within that source)."""
        if checked:
            wanted = {(c.kind.value, c.scope, c.value) for c in checked}
            same_source = [
                row.person_id
                for row in holders
                if row.source_system == source_system
                and row.is_child == is_child
                and (row.kind, row.scope, row.value) in wanted
            ]
            return min(same_source) if same_source else None
        key = name_key(ref.display_name())
        if key is None:
            return None
        dob = ref.dob.earliest() if ref.dob else None
        query = (
            select(persons_t.c.id)
            .where(
                persons_t.c.source_system == source_system,
                persons_t.c.name_key == key,
                persons_t.c.is_child == is_child,
                persons_t.c.dob == dob if dob else persons_t.c.dob.is_(None),
            )
            .order_by(persons_t.c.id)
            .limit(1)
        )
        return self.conn.execute(query).scalar()

    def _create(self, ref: PersonRef, source_system: str, is_child: bool) -> int:
        """A new source person: it holds nothing stored yet, so its row and facts are known as written."""
        display = ref.display_name()
        dob = ref.dob.earliest() if ref.dob else None
        values = {
            "source_system": source_system,
            "is_child": is_child,
            "display_name": display,
            "surname": ref.surname,
            "forenames": ref.forenames,
            "name_key": name_key(display),
            "dob": dob,
            "dob_precision": ref.dob.precision.value if ref.dob else None,
            "sex": ref.sex,
            "postcode": ref.postcode,
            "created_batch_id": self.batch_id,
            "created_at": utcnow(),
        }
        person_id = int(self.conn.execute(_INSERT_PERSON, values).scalar_one())
        self.new_persons += 1
        self._rows[person_id] = {"display_name": display, "dob": dob, "sex": ref.sex, "attributes": None}
        self.facts.new_person(person_id)
        if is_child:
            self._new_children[person_id] = {}
        return person_id

    @staticmethod
    def _missing_identifiers(
        person_id: int, checked: list[CheckedIdentifier], holders: list[Holder]
    ) -> list[CheckedIdentifier]:
        """Those of ``checked`` the person does not hold (``holders``: every holder of each of them)."""
        held = {(h.kind, h.scope, h.value) for h in holders if h.person_id == person_id}
        return [c for c in checked if (c.kind.value, c.scope, c.value) not in held]

    def _add_identifiers(
        self, person_id: int, checked: list[CheckedIdentifier], source_system: str, is_child: bool
    ) -> None:
        unique = {(c.kind, c.scope, c.value): c for c in checked}
        for c in unique.values():
            self._pending_identifiers.append(
                {
                    "person_id": person_id,
                    "kind": c.kind.value,
                    "scope": c.scope,
                    "value": c.value,
                    "valid": c.valid,
                    "problem": c.problem,
                    "source_system": source_system,
                    "batch_id": self.batch_id,
                }
            )
            if c.valid and c.kind is IdentifierKind.NHS_NUMBER:
                self._unwritten_nhs[person_id].add(c.value)
            holder = Holder(person_id, c.kind.value, c.scope, c.value, c.valid, source_system, is_child)
            local = self._local_holders(c, source_system)
            if local is None:
                self.index.add(holder)
            else:
                local.setdefault(c.value, []).append(holder)

    def _join_matches(self, person_id: int, valid: list[CheckedIdentifier], holders: list[Holder]) -> None:
        for kinds in MATCH_ORDER:
            kind_values = {k.value for k in kinds}
            for ident in (c for c in valid if c.kind in kinds):
                others = sorted(
                    {
                        int(row.person_id)
                        for row in holders
                        if row.valid
                        and row.kind in kind_values
                        and row.value == ident.value
                        and row.scope == ident.scope
                        and row.person_id != person_id
                    }
                )
                for other in others:
                    self._try_join(person_id, other, ident)

    def _try_join(self, person_id: int, other: int, ident: CheckedIdentifier) -> None:
        forest = self.forest
        mine, theirs = forest.root(person_id), forest.root(other)
        if mine == theirs:
            return
        mine_members, their_members = forest.members(mine), forest.members(theirs)
        if forest.blocked(mine_members, their_members):
            return
        conflict = _conflicting_nhs(self.conn, mine_members, their_members, self._unwritten_nhs)
        if conflict:
            suggest(
                self.conn,
                person_id,
                other,
                f"share {METHOD_WORDS[ident.kind]} {ident.value} but hold different NHS numbers "
                f"({conflict}): not joined automatically",
                0.5,
            )
            return
        # Join the younger group under the older one's matching person, so the oldest record leads.
        if mine < theirs:
            merged, into = theirs, person_id
        else:
            merged, into = mine, other
        evidence = f"{METHOD_WORDS[ident.kind]} {ident.value} held by both records"
        # written (and the two queued for their analysis) at the next flush, with the identifiers
        self.conn.execute(update(persons_t).where(persons_t.c.id == merged).values(merged_into_id=into))
        self._pending_merges.append(merge_row(merged, into, ident.kind.value, evidence, self.actor))
        forest.join(merged, into)
        self.merges += 1


def local_ref(child_id: int, ref: PersonRef, source_system: str) -> PersonRef:
    """A person named without identifiers, as this child's record at this source knows them: by a
    local identifier made of the child and the name, so the same name is the same person there."""
    local = Identifier(IdentifierKind.SOURCE_PERSON_ID, local_value(child_id, ref.display_name()), source_system)
    return dataclasses.replace(ref, identifiers=[local])


def local_value(child_id: int, name: str | None) -> str:
    """The value of the local identifier of a person named ``name`` in this child's record."""
    return f"{child_id}/{name_key(name)}"


def record_merge(conn: Connection, merged: int, into: int, method: str, evidence: str, actor: str) -> int:
    """Join root ``merged`` (and everything under it) to ``into``'s group, and say how."""
    conn.execute(update(persons_t).where(persons_t.c.id == merged).values(merged_into_id=into))
    queue_persons(conn, (merged, into), f"merged by {method}")
    row = merge_row(merged, into, method, evidence, actor)
    return int(conn.execute(insert(merges_t).values(**row).returning(merges_t.c.id)).scalar_one())


def merge_row(merged: int, into: int, method: str, evidence: str, actor: str) -> dict[str, Any]:
    """The ``person_merges`` row saying how ``merged`` was joined to ``into``."""
    return {
        "merged_id": merged,
        "into_id": into,
        "method": method,
        "evidence": evidence,
        "made_by": actor,
        "made_at": utcnow(),
    }


def _valid_nhs(conn: Connection, members: list[int]) -> dict[int, set[str]]:
    """Each member's valid NHS numbers (members holding none are left out)."""
    held: dict[int, set[str]] = defaultdict(set)
    for part in chunks(sorted(members)):
        query = select(identifiers_t.c.person_id, identifiers_t.c.value).where(
            identifiers_t.c.person_id.in_(part),
            identifiers_t.c.kind == IdentifierKind.NHS_NUMBER.value,
            identifiers_t.c.valid.is_(True),
        )
        for person_id, value in conn.execute(query):
            held[int(person_id)].add(value)
    return held


def _conflicting_nhs(
    conn: Connection, group_a: list[int], group_b: list[int], unwritten: dict[int, set[str]] | None = None
) -> str | None:
    """The two groups' valid NHS numbers when both hold some and none in common (asked in one query;
    ``unwritten``: valid NHS numbers by person an import holds but has not written yet)."""
    held = _valid_nhs(conn, [*group_a, *group_b])
    extra = unwritten or {}
    for person in [*group_a, *group_b]:
        if person in extra:
            held[person] |= extra[person]
    a = set().union(*(held.get(p, ()) for p in group_a))
    b = set().union(*(held.get(p, ()) for p in group_b))
    if a and b and not a & b:
        return f"{', '.join(sorted(a))} and {', '.join(sorted(b))}"
    return None


# --- suggestions: name + date of birth -------------------------------------------------------------
def suggest(conn: Connection, a: int, b: int, reason: str, score: float) -> int | None:
    """Record a suggested match between two people unless one is already recorded for the pair."""
    a, b = min(a, b), max(a, b)
    existing = conn.execute(
        select(suggestions_t.c.id).where(suggestions_t.c.person_a_id == a, suggestions_t.c.person_b_id == b)
    ).scalar()
    if existing is not None:
        return None
    result = conn.execute(
        insert(suggestions_t)
        .values(
            person_a_id=a, person_b_id=b, reason=reason, score=score, status="pending", created_at=utcnow()
        )
        .returning(suggestions_t.c.id)
    )
    return int(result.scalar_one())


def find_suggestions(
    conn: Connection,
    batch_id: int | None = None,
    forest: MergeForest | None = None,
    also_dobs: Iterable[dt.date] = (),
) -> int:
    """Suggest matches between separate people with the same date of birth and a similar name.

    Blocks on date of birth (never compares everyone with everyone) and, after an import, looks only
    at dates of birth that import brought in: its new people's, and ``also_dobs`` (people it named
    or dated for the first time). Scores the name similarity and agreement of sex and postcode.
    Returns how many new suggestions were made.
    """
    forest = forest or MergeForest(conn)
    wanted_dobs = None
    if batch_id is not None:
        wanted_dobs = set(also_dobs) | set(
            conn.execute(
                select(persons_t.c.dob)
                .distinct()
                .where(persons_t.c.created_batch_id == batch_id, persons_t.c.dob.is_not(None))
            ).scalars()
        )
        if not wanted_dobs:
            return 0
    query = (
        select(
            persons_t.c.id,
            persons_t.c.dob,
            persons_t.c.name_key,
            persons_t.c.sex,
            persons_t.c.postcode,
            persons_t.c.is_child,
        )
        .where(
            persons_t.c.dob.is_not(None),
            persons_t.c.name_key.is_not(None),
            persons_t.c.dob_precision == "day",
        )
        .order_by(persons_t.c.dob, persons_t.c.id)
    )
    if wanted_dobs is None:
        rows = conn.execute(query).all()
    else:  # only the people born on those days: an import does not read the whole authority's people
        rows = [
            row for part in chunks(sorted(wanted_dobs)) for row in conn.execute(query.where(persons_t.c.dob.in_(part)))
        ]
    by_dob: dict[tuple[dt.date, bool], list] = defaultdict(list)
    for row in rows:
        if wanted_dobs is None or row.dob in wanted_dobs:
            by_dob[(row.dob, row.is_child)].append(row)
    roots: dict[int, int] = {}
    candidates: dict[tuple[int, int], dict[str, Any]] = {}  # first reason for each pair, in order
    for block in by_dob.values():
        if len(block) < 2:
            continue
        for i, first in enumerate(block):
            for second in block[i + 1 :]:
                score, reason = _score_pair(first, second)
                if score < 0.85:
                    continue
                root_a = roots.setdefault(first.id, forest.root(first.id))
                root_b = roots.setdefault(second.id, forest.root(second.id))
                if root_a == root_b:
                    continue
                if forest.blocked(forest.members(root_a), forest.members(root_b)):
                    continue
                pair = (min(root_a, root_b), max(root_a, root_b))
                candidates.setdefault(pair, {"reason": reason, "score": score})
    return _suggest_all(conn, candidates)


def _suggest_all(conn: Connection, candidates: dict[tuple[int, int], dict[str, Any]]) -> int:
    """``suggest`` for many pairs (lower id first), asking which are recorded already per chunk and
    writing the new ones in one statement per chunk; returns how many were new."""
    wanted = sorted({a for a, _ in candidates})
    recorded: set[tuple[int, int]] = set()
    for part in chunks(wanted):
        query = select(suggestions_t.c.person_a_id, suggestions_t.c.person_b_id).where(
            suggestions_t.c.person_a_id.in_(part)
        )
        recorded.update((int(a), int(b)) for a, b in conn.execute(query))
    now = utcnow()
    new = [
        {"person_a_id": a, "person_b_id": b, **said, "status": "pending", "created_at": now}
        for (a, b), said in candidates.items()
        if (a, b) not in recorded
    ]
    for part in chunks(new):
        conn.execute(insert(suggestions_t), list(part))
    return len(new)


def _score_pair(first, second) -> tuple[float, str]:  # type: ignore[no-untyped-def]
    similarity = difflib.SequenceMatcher(None, first.name_key, second.name_key).ratio()
    reasons = [
        f"same date of birth {first.dob.isoformat()}",
        "same name" if similarity == 1 else f"similar names ({similarity:.0%})",
    ]
    score = similarity
    if first.sex and second.sex:
        if first.sex.strip().lower()[:1] == second.sex.strip().lower()[:1]:
            reasons.append("same sex")
        else:
            score -= 0.3
            reasons.append("different sex recorded")
    if first.postcode and second.postcode:
        same = first.postcode.replace(" ", "").upper() == second.postcode.replace(" ", "").upper()
        reasons.append("same postcode" if same else "different postcodes")
        score += 0.05 if same else -0.05
    return min(score, 1.0), "; ".join(reasons)


@dataclass(frozen=True, slots=True)
class SuggestionView:
    id: int
    person_a: int
    person_b: int
    name_a: str | None
    name_b: str | None
    reason: str
    score: float
    status: str


def list_suggestions(conn: Connection, status: str = "pending") -> list[SuggestionView]:
    a, b = persons_t.alias("a"), persons_t.alias("b")
    query = (
        select(suggestions_t, a.c.display_name.label("name_a"), b.c.display_name.label("name_b"))
        .join(a, a.c.id == suggestions_t.c.person_a_id)
        .join(b, b.c.id == suggestions_t.c.person_b_id)
        .where(suggestions_t.c.status == status)
        .order_by(suggestions_t.c.score.desc(), suggestions_t.c.id)
    )
    return [
        SuggestionView(r.id, r.person_a_id, r.person_b_id, r.name_a, r.name_b, r.reason, r.score, r.status)
        for r in conn.execute(query)
    ]


class IdentityError(Exception):
    """A person-level action that cannot be done (unknown suggestion, merge already undone...)."""


def confirm_suggestion(conn: Connection, suggestion_id: int, actor: str) -> int:
    """A person says the two records are the same child: join them, recording who decided.

    Refused, like an automatic join, when the two groups hold different valid NHS numbers: a
    confirmation must never make one person of two NHS numbers (nor can it be undone into sense).
    """
    row = _pending(conn, suggestion_id)
    root_a, root_b = root_of(conn, row.person_a_id), root_of(conn, row.person_b_id)
    if root_a == root_b:
        raise IdentityError(f"suggestion {suggestion_id}: the two records are already one person")
    conflict = _conflicting_nhs(conn, group_members(conn, root_a), group_members(conn, root_b))
    if conflict:
        raise IdentityError(
            f"suggestion {suggestion_id} cannot be confirmed: the two records hold different valid NHS "
            f"numbers ({conflict}), and one person has one NHS number. If they are the same child, have "
            "the wrong NHS number corrected in the agency's system and import again; otherwise reject "
            "the suggestion"
        )
    merged, into = max(root_a, root_b), min(root_a, root_b)
    merge_id = record_merge(
        conn, merged, into, "confirmed_suggestion", f"confirmed by {actor}: {row.reason}", actor
    )
    conn.execute(
        update(suggestions_t)
        .where(suggestions_t.c.id == suggestion_id)
        .values(status="confirmed", decided_by=actor, decided_at=utcnow(), merge_id=merge_id)
    )
    return merge_id


def reject_suggestion(conn: Connection, suggestion_id: int, actor: str) -> None:
    """A person says these are different people: never suggest or join them again."""
    row = _pending(conn, suggestion_id)
    conn.execute(
        update(suggestions_t)
        .where(suggestions_t.c.id == suggestion_id)
        .values(status="rejected", decided_by=actor, decided_at=utcnow())
    )
    queue_persons(conn, (row.person_a_id, row.person_b_id), f"suggestion {suggestion_id} rejected")


def reopen_suggestion(conn: Connection, suggestion_id: int, actor: str) -> None:
    """Undo a rejection made by mistake: the pair waits for a decision again. A rejection written by
    undoing a merge is not reopened here (that join was wrong: it is decided by undoing it)."""
    row = conn.execute(select(suggestions_t).where(suggestions_t.c.id == suggestion_id)).first()
    if row is None:
        raise IdentityError(f"there is no suggestion {suggestion_id}")
    if row.status != "rejected":
        raise IdentityError(f"suggestion {suggestion_id} is {row.status}, not rejected: there is nothing to reopen")
    if row.reason.startswith("merge ") and " undone: " in row.reason:
        raise IdentityError(f"suggestion {suggestion_id} records an undone merge and cannot be reopened")
    conn.execute(
        update(suggestions_t)
        .where(suggestions_t.c.id == suggestion_id)
        .values(status="pending", decided_by=None, decided_at=None)
    )
    queue_persons(conn, (row.person_a_id, row.person_b_id), f"suggestion {suggestion_id} reopened by {actor}")


def _pending(conn: Connection, suggestion_id: int):  # type: ignore[no-untyped-def]
    row = conn.execute(select(suggestions_t).where(suggestions_t.c.id == suggestion_id)).first()
    if row is None:
        raise IdentityError(f"there is no suggestion {suggestion_id}")
    if row.status != "pending":
        raise IdentityError(f"suggestion {suggestion_id} was already {row.status} by {row.decided_by}")
    return row


def undo_merge(conn: Connection, merge_id: int, actor: str, reason: str) -> None:
    """Separate a wrongly joined record (and what hangs under it), and keep them apart from now on."""
    row = conn.execute(select(merges_t).where(merges_t.c.id == merge_id)).first()
    if row is None:
        raise IdentityError(f"there is no merge {merge_id}")
    if row.undone_at is not None:
        raise IdentityError(f"merge {merge_id} was already undone by {row.undone_by}")
    conn.execute(update(persons_t).where(persons_t.c.id == row.merged_id).values(merged_into_id=None))
    queue_persons(conn, (row.merged_id, row.into_id), f"merge {merge_id} undone")
    conn.execute(
        update(merges_t)
        .where(merges_t.c.id == merge_id)
        .values(undone_at=utcnow(), undone_by=actor, undo_reason=reason)
    )
    a, b = min(row.merged_id, row.into_id), max(row.merged_id, row.into_id)
    existing = conn.execute(
        select(suggestions_t.c.id).where(suggestions_t.c.person_a_id == a, suggestions_t.c.person_b_id == b)
    ).scalar()
    values = {"status": "rejected", "decided_by": actor, "decided_at": utcnow()}
    if existing is None:
        conn.execute(
            insert(suggestions_t).values(
                person_a_id=a,
                person_b_id=b,
                score=0.0,
                created_at=utcnow(),
                reason=f"merge {merge_id} undone: {reason}",
                **values,
            )
        )
    else:
        conn.execute(update(suggestions_t).where(suggestions_t.c.id == existing).values(**values))


def merges_for(conn: Connection, person_id: int) -> list:  # type: ignore[type-arg]
    """Every merge, current or undone, that touches this person's group."""
    members = group_members(conn, person_id)
    query = (
        select(merges_t)
        .where(or_(merges_t.c.merged_id.in_(members), merges_t.c.into_id.in_(members)))
        .order_by(merges_t.c.id)
    )
    return list(conn.execute(query))


def identifiers_of(conn: Connection, members: Iterable[int]) -> list:  # type: ignore[type-arg]
    query = (
        select(identifiers_t)
        .where(identifiers_t.c.person_id.in_(list(members)))
        .order_by(identifiers_t.c.kind, identifiers_t.c.value)
    )
    return list(conn.execute(query))
