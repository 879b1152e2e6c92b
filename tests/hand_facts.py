"""Building one child's ``ChildFacts`` by hand, so analysis tests state exactly the events they need."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from chronology.analysis.facts import ChildFacts, Fact, FamilyPerson, PlanPeriod

_ids = itertools.count(1)

AGENCY_OF = {
    "police_occurrence": "Police",
    "marac_referral": "Police",
    "operation_encompass": "Education: Oak Lane Primary School",
    "school_safeguarding_concern": "Education: Oak Lane Primary School",
    "ae_attendance": "Health: City Hospital",
    "appointment_not_brought": "Health: Audiology",
}


def fact(
    day: dt.date | str | None,
    event_type: str = "police_occurrence",
    *,
    themes: tuple[str, ...] | frozenset[str] = (),
    categories: tuple[str, ...] = (),
    agency: str | None = None,
    attributes: dict[str, Any] | None = None,
    child_voice: bool = False,
    summary: str = "",
    id: int | None = None,
) -> Fact:
    """One event; the agency follows from the type unless given (social care by default)."""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return Fact(
        id=id if id is not None else next(_ids),
        day=day,
        precision="day" if day else "unknown",
        time=None,
        agency=agency or AGENCY_OF.get(event_type, "Children's social care"),
        event_type=event_type,
        categories=categories,
        themes=frozenset(themes),
        summary=summary or event_type.replace("_", " "),
        significant=False,
        child_voice=child_voice,
        persons=(),
        attributes=attributes or {},
        source_record_id=None,
    )


def da_incident(
    day: dt.date | str, *, dash: str | None = None, themes: tuple[str, ...] = ("domestic_abuse",), **kw: Any
) -> Fact:
    """A police domestic-abuse occurrence, with a DASH level when given."""
    attributes = {"domestic_abuse": "Y", **({"dash_risk": dash} if dash else {})}
    return fact(day, "police_occurrence", themes=themes, attributes=attributes, **kw)


def plan(
    start: dt.date | str,
    end: dt.date | str | None,
    kind: str = "cp",
    number: int = 1,
    category: str | None = None,
    previous_reported: int | None = None,
) -> PlanPeriod:
    start = dt.date.fromisoformat(start) if isinstance(start, str) else start
    end = dt.date.fromisoformat(end) if isinstance(end, str) else end
    return PlanPeriod(kind, start, end, number, category, previous_reported)


def child_facts(
    facts: list[Fact],
    *,
    plans: list[PlanPeriod] | None = None,
    dob: dt.date | str | None = "2018-01-01",
    as_of: dt.date | str | None = None,
    clusters: dict[int, str] | None = None,
    family: list[FamilyPerson] | None = None,
    person_id: int = 1,
    la_child_id: str | None = "LA0000001",
) -> ChildFacts:
    dob = dt.date.fromisoformat(dob) if isinstance(dob, str) else dob
    as_of = dt.date.fromisoformat(as_of) if isinstance(as_of, str) else as_of
    return ChildFacts(
        person_id=person_id,
        la_child_id=la_child_id,
        name="Test Child",
        dob=dob,
        facts=sorted(facts, key=lambda f: (f.day or dt.date.max, f.id)),
        family=family or [],
        plans=plans or [],
        clusters=clusters or {},
        as_of=as_of,
    )
