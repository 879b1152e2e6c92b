"""What a data officer needs to decide a suggested match: both records side by side."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, select

from chronology.db.models import Person, PersonIdentifier
from chronology.people import SuggestionView

persons_t = Person.__table__
identifiers_t = PersonIdentifier.__table__


@dataclass(slots=True)
class SideOfMatch:
    person_id: int
    name: str | None
    dob: str | None
    sex: str | None
    postcode: str | None
    source: str
    identifiers: list[tuple[str, str, bool]]  # (kind, value, valid)


@dataclass(slots=True)
class SuggestionDetail:
    suggestion: SuggestionView
    a: SideOfMatch
    b: SideOfMatch


def suggestion_details(conn: Connection, suggestions: list[SuggestionView]) -> list[SuggestionDetail]:
    ids = {s.person_a for s in suggestions} | {s.person_b for s in suggestions}
    if not ids:
        return []
    people = {row.id: row for row in conn.execute(select(persons_t).where(persons_t.c.id.in_(ids)))}
    idents: dict[int, list[tuple[str, str, bool]]] = {i: [] for i in ids}
    for row in conn.execute(
        select(identifiers_t).where(identifiers_t.c.person_id.in_(ids)).order_by(identifiers_t.c.id)
    ):
        if row.kind != "source_person_id":
            idents[row.person_id].append((row.kind, row.value, row.valid))

    def side(person_id: int) -> SideOfMatch:
        p = people[person_id]
        return SideOfMatch(
            person_id,
            p.display_name,
            p.dob.isoformat() if p.dob else None,
            p.sex,
            p.postcode,
            p.source_system,
            idents[person_id],
        )

    return [SuggestionDetail(s, side(s.person_a), side(s.person_b)) for s in suggestions]
