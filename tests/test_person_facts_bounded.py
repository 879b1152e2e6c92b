"""An import keeps the facts (date of birth, sex, name) of a bounded number of people at hand, so a file
about a whole authority does not hold every person's: one forgotten is read again, with what the
import has noted of them and not written yet. The facts stored must be the same however small the
bound."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import select

import chronology.person_facts as person_facts
from chronology.db.models import PersonFact
from chronology.events import PartialDate
from tests.factories import child, event
from tests.helpers import import_file

facts_t = PersonFact.__table__


def _facts(engine) -> list[tuple]:
    with engine.connect() as conn:
        rows = conn.execute(select(facts_t.c.person_id, facts_t.c.fact, facts_t.c.value, facts_t.c.row))
        return sorted(tuple(r) for r in rows)


def _rows() -> list:
    """Ten children, each named on two rows far apart, one of them giving a second date of birth."""
    first = [
        event(
            child(la_id=f"LA{n}", name=f"Kid {n}", dob=dt.date(2015, 1, n + 1)), record_id=f"A{n}", row=n + 2
        )
        for n in range(10)
    ]
    again = [
        event(
            child(la_id=f"LA{n}", name=f"Kid {n}", dob=dt.date(2015, 1, n + 1 + n % 2)),
            record_id=f"B{n}",
            row=n + 12,
            when=PartialDate(2022, 5, 1),
        )
        for n in range(10)
    ]
    return first + again


def test_the_facts_stored_are_the_same_however_few_people_are_kept_at_hand(engine, monkeypatch):
    import_file(engine, _rows(), "one.csv", "template")
    wide = _facts(engine)
    assert len(wide) == 10 * 2 + 5  # a name and a dob each, and five second dates of birth
    with engine.begin() as conn:
        conn.execute(facts_t.delete())
    monkeypatch.setattr(person_facts, "FACTS_REMEMBERED", 1)
    import_file(engine, _rows(), "two.csv", "template")  # the same people again: found, facts re-noted
    narrow = _facts(engine)
    assert [(p, f, v) for p, f, v, _ in narrow] == [(p, f, v) for p, f, v, _ in wide]
