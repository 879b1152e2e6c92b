"""Who a person is, as each source said it: every date of birth, sex and name, with file and row.

A person's record used to keep the first date of birth and sex it was given and drop the rest, so
three different dates of birth for one child became one, silently. Here every distinct value is kept
with the source that first gave it; values that cannot all be true (two days of birth, two sexes,
two names) are a disagreement: warned about at import and marked on the child's record, with each
value and its sources side by side. No value is chosen.
"""

from __future__ import annotations

from collections import OrderedDict, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import Connection, select

from chronology.bulk_insert import insert_rows
from chronology.db.chunks import chunks
from chronology.db.models import PersonFact
from chronology.events import PersonRef

facts_t = PersonFact.__table__

FACT_LABELS = {"dob": "date of birth", "sex": "sex", "name": "name"}
FACTS_REMEMBERED = 20_000  # people whose facts an import keeps at hand
FACT_VALUE_LENGTH = 300  # characters of a value kept


def facts_of(ref: PersonRef) -> list[tuple[str, str]]:
    """(fact, value) pairs a reference states: dob as ISO at its precision, sex and name as written."""
    found = []
    if ref.dob is not None:
        found.append(("dob", ref.dob.iso()))
    if ref.sex and ref.sex.strip():
        found.append(("sex", ref.sex.strip()))
    name = ref.display_name()
    if name and name.strip():
        found.append(("name", " ".join(name.split())))
    return found


def _same(fact: str, a: str, b: str) -> bool:
    """Whether two values can both be true: a year or month of birth agrees with a day inside it."""
    if fact == "dob":
        return a.startswith(b) or b.startswith(a)
    if fact == "sex":
        return a.strip().lower()[:1] == b.strip().lower()[:1]
    # a shorter form of the same name ("Kai" and "Kai Jones") is not a contradiction
    words_a, words_b = set(a.lower().split()), set(b.lower().split())
    return words_a <= words_b or words_b <= words_a


@dataclass(frozen=True, slots=True)
class FactValue:
    value: str
    sources: tuple[str, ...]  # "header.csv row 3 (ssda903)"


@dataclass(frozen=True, slots=True)
class Disagreement:
    """One fact whose values disagree, each with where it was read."""

    fact: str
    values: tuple[FactValue, ...]

    @property
    def label(self) -> str:
        return FACT_LABELS.get(self.fact, self.fact)

    def describe(self) -> str:
        said = "; ".join(f"{v.value} ({', '.join(v.sources)})" for v in self.values)
        return f"{self.label}: {said}"


def _source(row) -> str:  # type: ignore[no-untyped-def]
    where = row.file_name or row.source_system
    if row.row is not None:
        where += f" row {row.row}"
    return where


def disagreements(conn: Connection, members: Iterable[int]) -> list[Disagreement]:
    """The facts the records of one person (a merged group's members) give that cannot all be true."""
    return disagreements_of_groups(conn, [list(members)])[0]


def disagreements_of_groups(conn: Connection, groups: list[list[int]]) -> list[list[Disagreement]]:
    """``disagreements`` of each group (each a person's members), reading the facts of many groups
    with one query per chunk of members rather than one per person (an import checks thousands)."""
    owner = {person: n for n, members in enumerate(groups) for person in members}
    rows_of: dict[int, list] = defaultdict(list)
    for part in chunks(sorted(owner)):
        query = select(facts_t).where(facts_t.c.person_id.in_(part))
        for row in conn.execute(query):
            rows_of[owner[row.person_id]].append(row)
    return [_disagreements(sorted(rows_of.get(n, ()), key=lambda r: (r.fact, r.id))) for n in range(len(groups))]


def _disagreements(rows: list) -> list[Disagreement]:  # type: ignore[type-arg]
    by_fact: dict[str, dict[str, list[str]]] = defaultdict(dict)
    for row in rows:
        by_fact[row.fact].setdefault(row.value, []).append(_source(row))
    found = []
    for fact in ("dob", "sex", "name"):
        values = by_fact.get(fact, {})
        listed = list(values)
        if any(not _same(fact, a, b) for i, a in enumerate(listed) for b in listed[i + 1 :]):
            found.append(
                Disagreement(
                    fact, tuple(FactValue(v, tuple(dict.fromkeys(values[v]))) for v in listed)
                )
            )
    return found


class FactRecorder:
    """Keeps, during one import, each new fact value a person is given, and who gained one."""

    def __init__(self, conn: Connection, batch_id: int | None) -> None:
        self.conn = conn
        self.batch_id = batch_id
        # the facts held of the people this import spoke of lately: bounded, so a file about a whole
        # authority does not keep every person's; one forgotten is asked for again (after a flush)
        self.known: OrderedDict[int, set[tuple[str, str]]] = OrderedDict()
        self.pending: list[dict] = []
        self.changed: set[int] = set()  # persons given a value they did not have

    def new_person(self, person_id: int) -> None:
        """A person created by this import has no stored facts: none need asking for."""
        self._remember(person_id, set())

    def _remember(self, person_id: int, facts: set[tuple[str, str]]) -> None:
        self.known[person_id] = facts
        self.known.move_to_end(person_id)
        if len(self.known) > FACTS_REMEMBERED:
            self.known.popitem(last=False)

    def _known(self, person_id: int) -> set[tuple[str, str]]:
        known = self.known.get(person_id)
        if known is not None:
            self.known.move_to_end(person_id)
            return known
        self.flush()  # what this import noted of them and has not written yet is then asked with the rest
        known = {
            (fact, value)
            for fact, value in self.conn.execute(
                select(facts_t.c.fact, facts_t.c.value).where(facts_t.c.person_id == person_id)
            )
        }
        self._remember(person_id, known)
        return known

    def note(
        self, person_id: int, ref: PersonRef, source_system: str, file_name: str | None, row: int | None
    ) -> None:
        stated = facts_of(ref)
        if not stated:
            return
        known = self._known(person_id)
        for fact, said in stated:
            value = said[:FACT_VALUE_LENGTH]  # as stored, so a value read back compares equal
            if (fact, value) in known:
                continue
            known.add((fact, value))
            self.changed.add(person_id)
            self.pending.append(
                {
                    "person_id": person_id,
                    "fact": fact,
                    "value": value,
                    "source_system": source_system,
                    "file_name": file_name,
                    "row": row,
                    "batch_id": self.batch_id,
                }
            )

    def flush(self) -> None:
        if self.pending:
            insert_rows(self.conn, facts_t, self.pending)
            self.pending = []
