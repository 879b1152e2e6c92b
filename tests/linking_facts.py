"""Hand-built ``Fact``s and ``ChildFacts`` for the plan and link-graph tests (no store needed)."""

from __future__ import annotations

import datetime as dt
from itertools import count
from typing import Any

from chronology.analysis.facts import ChildFacts, Fact, Involved

_ids = count(1)


def fact(
    day: str | None,
    event_type: str = "agency_record",
    *,
    agency: str = "Police",
    time: str | None = None,
    summary: str = "",
    categories: tuple[str, ...] = (),
    themes: tuple[str, ...] = (),
    persons: tuple[Involved, ...] = (),
    attributes: dict[str, Any] | None = None,
    record: str | None = None,
    end: str | None = None,
    id: int | None = None,
) -> Fact:
    event_id = id if id is not None else next(_ids)
    return Fact(
        id=event_id,
        day=dt.date.fromisoformat(day) if day else None,
        precision="day" if day else "unknown",
        time=dt.time.fromisoformat(time) if time else None,
        agency=agency,
        event_type=event_type,
        categories=categories,
        themes=frozenset(themes),
        summary=summary,
        significant=False,
        child_voice=False,
        persons=persons,
        attributes=attributes or {},
        source_record_id=record,
        end=dt.date.fromisoformat(end) if end else None,
        natural_key=f"test|{record or event_id}",
    )


def person(person_id: int, name: str, role: str) -> Involved:
    return Involved(person_id, name, role, None)


def child_of(*facts: Fact) -> ChildFacts:
    ordered = sorted(facts, key=lambda f: (f.day is None, f.day or dt.date.max, f.time or dt.time.min, f.id))
    return ChildFacts(
        person_id=1, la_child_id="LA1", name="Test Child", dob=dt.date(2015, 1, 1), facts=ordered
    )


def police(
    day: str, ref: str, *, time: str = "22:00", persons: tuple[Involved, ...] = (), da: bool = True
) -> Fact:
    return fact(
        day,
        "police_occurrence",
        agency="Police",
        time=time,
        summary=f"Domestic incident at home address. Occurrence {ref}",
        categories=("Domestic incident", "DA") if da else ("Concern for welfare",),
        themes=("domestic_abuse",) if da else (),
        persons=persons,
        attributes={"occurrence_ref": ref, "domestic_abuse": "Y" if da else "N"},
        record=ref,
    )
