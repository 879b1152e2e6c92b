"""Hand-built ``Fact``s and ``ChildFacts`` for analysis tests (patterns, harm, cohorts, links, plans),
so a test states exactly the events it needs and no store is involved.

Two styles, one set of defaults:

    child = ChildBuilder()                      # a narrative: say what happened, in dates and words
    child.police_da("2021-02-03", victim="Kelly Hart")
    child.plan("2021-03-01", "2021-09-01")
    facts = child.build()

    facts = child_facts([da_incident("2021-02-03", dash="high"), fact("2021-03-01", "referral")])
    graph_input = child_of(police("2022-03-01", "OR-22-000100"), fact("2022-03-02", "referral"))

Dates are ISO strings or ``datetime.date``. ``fact`` takes its agency from the event type unless given
(children's social care otherwise); every builder returns what it made, so tests can check evidence ids.
"""

from __future__ import annotations

import datetime as dt
import itertools
from dataclasses import dataclass, field
from typing import Any

from chronology.analysis.facts import (
    EDUCATION,
    HEALTH,
    POLICE,
    SOCIAL_CARE,
    ChildFacts,
    Fact,
    FamilyPerson,
    Involved,
    PlanPeriod,
    Ref,
)
from chronology.labels import label_key
from chronology.references import reference_token

Day = str | dt.date

_ids = itertools.count(1)

AGENCY_OF = {
    "police_occurrence": POLICE,
    "marac_referral": POLICE,
    "operation_encompass": "Education: Oak Lane Primary School",
    "school_safeguarding_concern": "Education: Oak Lane Primary School",
    "ae_attendance": "Health: City Hospital",
    "appointment_not_brought": "Health: Audiology",
}


def day(value: Day) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def shift(value: Day, days: int) -> dt.date:
    return day(value) + dt.timedelta(days=days)


def _maybe_day(value: Day | None) -> dt.date | None:
    return day(value) if value is not None else None


# --- single events ---------------------------------------------------------------------------------
def fact(
    when: Day | None,
    event_type: str = "police_occurrence",
    *,
    agency: str | None = None,
    time: str | None = None,
    end: Day | None = None,
    summary: str = "",
    categories: tuple[str, ...] = (),
    themes: tuple[str, ...] | frozenset[str] = (),
    persons: tuple[Involved, ...] = (),
    attributes: dict[str, Any] | None = None,
    child_voice: bool = False,
    record: str | None = None,
    id: int | None = None,
    references: tuple[Ref, ...] = (),
    referring_agency: str | None = None,
    encounter: str | None = None,
    labels: tuple[str, ...] = (),
) -> Fact:
    """One event; undated when ``when`` is None. ``record`` is its source record ID. The canonical
    fields (references, referring agency, encounter, labels) are given as an importer would fill them."""
    event_id = id if id is not None else next(_ids)
    dated = _maybe_day(when)
    return Fact(
        id=event_id,
        day=dated,
        precision="day" if dated else "unknown",
        time=dt.time.fromisoformat(time) if time else None,
        agency=agency or AGENCY_OF.get(event_type, SOCIAL_CARE),
        event_type=event_type,
        categories=categories,
        themes=frozenset(themes),
        summary=summary or event_type.replace("_", " "),
        significant=False,
        child_voice=child_voice,
        persons=persons,
        attributes=attributes or {},
        source_record_id=record,
        end=_maybe_day(end),
        natural_key=f"test|{record or event_id}",
        references=references,
        referring_agency=referring_agency,
        encounter=encounter,
        labels=frozenset(label_key(label) for label in labels),
    )


def own_ref(value: str, kind: str = "police_occurrence") -> Ref:
    """A reference the record itself carries (a police occurrence's own number)."""
    return Ref(kind, value, reference_token(value), own=True, source="test")


def quoted_ref(value: str, kind: str = "police_occurrence") -> Ref:
    """A reference the record quotes (a school's Operation Encompass row quoting the occurrence)."""
    return Ref(kind, value, reference_token(value), own=False, source="test")


def da_incident(
    when: Day, *, dash: str | None = None, themes: tuple[str, ...] = ("domestic_abuse",), **kw: Any
) -> Fact:
    """A police domestic-abuse occurrence, with a DASH level when given."""
    attributes = {"domestic_abuse": "Y", **({"dash_risk": dash} if dash else {})}
    categories = ("Domestic incident", *((f"DASH {dash}",) if dash else ()))
    return fact(when, "police_occurrence", themes=themes, attributes=attributes, categories=categories, **kw)


def police(
    when: Day, ref: str, *, time: str = "22:00", persons: tuple[Involved, ...] = (), da: bool = True
) -> Fact:
    """A police occurrence with its reference, as the link tests need it (domestic unless ``da=False``)."""
    return fact(
        when,
        "police_occurrence",
        agency=POLICE,
        time=time,
        summary=f"Domestic incident at home address. Occurrence {ref}",
        categories=("Domestic incident", "DA") if da else ("Concern for welfare",),
        themes=("domestic_abuse",) if da else (),
        persons=persons,
        attributes={"occurrence_ref": ref, "domestic_abuse": "Y" if da else "N"},
        record=ref,
        references=(own_ref(ref),),
    )


def person(person_id: int | None, name: str, role: str, relationship: str | None = None) -> Involved:
    return Involved(person_id, name, role, relationship)


def victim_person(name: str, person_id: int | None = None) -> Involved:
    return person(person_id, name, "victim")


def plan(
    start: Day,
    end: Day | None,
    kind: str = "cp",
    number: int = 1,
    category: str | None = None,
    previous_reported: int | None = None,
) -> PlanPeriod:
    return PlanPeriod(kind, day(start), _maybe_day(end), number, category, previous_reported)


# --- one child -------------------------------------------------------------------------------------
def child_facts(
    facts: list[Fact],
    *,
    plans: list[PlanPeriod] | None = None,
    dob: Day | None = "2018-01-01",
    as_of: Day | None = None,
    clusters: dict[int, str] | None = None,
    family: list[FamilyPerson] | None = None,
    coverage: dict[str, tuple[dt.date, dt.date]] | None = None,
    person_id: int = 1,
    la_child_id: str | None = "LA0000001",
) -> ChildFacts:
    """One child's facts in the store's order: by day and time, undated last."""
    ordered = sorted(facts, key=lambda f: (f.day is None, f.day or dt.date.max, f.time or dt.time.min, f.id))
    return ChildFacts(
        person_id=person_id,
        la_child_id=la_child_id,
        name="Test Child",
        dob=_maybe_day(dob),
        facts=ordered,
        family=family or [],
        plans=plans or [],
        clusters=clusters or {},
        coverage=coverage or {},
        as_of=_maybe_day(as_of),
    )


def child_of(*facts: Fact) -> ChildFacts:
    """The link and plan tests' child: just these facts."""
    return child_facts(list(facts), dob="2015-01-01", la_child_id="LA1")


@dataclass
class ChildBuilder:
    """A child's history told event by event; each method returns the id of the event it added."""

    as_of: Day | None = "2025-03-31"
    person_id: int = 1
    la_child_id: str | None = "LA0000001"
    facts: list[Fact] = field(default_factory=list)
    family: list[FamilyPerson] = field(default_factory=list)
    plans: list[PlanPeriod] = field(default_factory=list)
    clusters: dict[int, str] = field(default_factory=dict)
    coverage: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)
    next_id: int = 100

    # --- any event -------------------------------------------------------------------------------
    def event(
        self,
        when: Day,
        event_type: str,
        *,
        agency: str = SOCIAL_CARE,
        categories: tuple[str, ...] = (),
        themes: tuple[str, ...] = (),
        persons: tuple[Involved, ...] = (),
        attributes: dict[str, Any] | None = None,
        child_voice: bool = False,
        summary: str = "",
        cluster: str | None = None,
    ) -> int:
        self.next_id += 1
        event_id = self.next_id
        self.facts.append(
            fact(
                day(when),
                event_type,
                agency=agency,
                categories=categories,
                themes=themes,
                persons=persons,
                attributes=attributes,
                child_voice=child_voice,
                summary=summary,
                record=f"REC-{event_id}",
                id=event_id,
            )
        )
        if cluster is not None:
            self.clusters[event_id] = cluster
        return event_id

    # --- incidents -------------------------------------------------------------------------------
    def police_da(
        self, when: Day, *, victim: str | None = None, cluster: str | None = None, dash: str = "medium"
    ) -> int:
        persons = (victim_person(victim),) if victim else ()
        return self.event(
            when,
            "police_occurrence",
            agency=POLICE,
            categories=("Domestic crime", "DA", f"DASH {dash}"),
            themes=("domestic_abuse",),
            persons=persons,
            attributes={"domestic_abuse": "Y", "dash_risk": dash},
            cluster=cluster,
        )

    def police_other(self, when: Day, *, cluster: str | None = None) -> int:
        return self.event(when, "police_occurrence", agency=POLICE, categories=("Theft",), cluster=cluster)

    def encompass(self, when: Day, *, cluster: str | None = None) -> int:
        return self.event(
            when,
            "operation_encompass",
            agency="Education",
            categories=("Operation Encompass", "Domestic abuse"),
            themes=("domestic_abuse",),
            cluster=cluster,
        )

    def school_concern(self, when: Day, category: str, *, cluster: str | None = None) -> int:
        return self.event(
            when,
            "school_safeguarding_concern",
            agency=f"{EDUCATION}: Oak Lane",
            categories=(category,),
            cluster=cluster,
        )

    def ae_injury(self, when: Day, *, cluster: str | None = None) -> int:
        return self.event(when, "ae_attendance", agency=HEALTH, attributes={"injury": "yes"}, cluster=cluster)

    # --- responses and social care ----------------------------------------------------------------
    def referral(self, when: Day, *, cluster: str | None = None) -> int:
        return self.event(when, "referral", cluster=cluster)

    def assessment(self, when: Day, *, themes: tuple[str, ...] = ()) -> int:
        return self.event(when, "assessment", themes=themes)

    def marac(self, when: Day, *, victim: str | None = None) -> int:
        persons = (victim_person(victim),) if victim else ()
        return self.event(
            when,
            "marac_referral",
            agency=POLICE,
            categories=("MARAC referral", "DA", "DASH high"),
            themes=("domestic_abuse",),
            persons=persons,
            attributes={"domestic_abuse": "Y", "dash_risk": "high"},
        )

    def visit(self, when: Day, *, voice: bool = False, persons: tuple[Involved, ...] = ()) -> int:
        return self.event(when, "statutory_visit", child_voice=voice, persons=persons)

    def core_group(self, when: Day, *, persons: tuple[Involved, ...] = ()) -> int:
        return self.event(when, "core_group", persons=persons)

    def missed_appointment(self, when: Day) -> int:
        return self.event(
            when, "appointment_not_brought", agency=HEALTH, summary="Was not brought: audiology"
        )

    def routine(self, when: Day, agency: str) -> int:
        return self.event(when, "agency_record", agency=agency, categories=("Routine",))

    # --- plans and family ------------------------------------------------------------------------
    def plan(
        self, start: Day, end: Day | None = None, *, kind: str = "cp", previous_reported: int | None = None
    ) -> PlanPeriod:
        start_id = self.event(start, f"{kind}_plan_start")
        end_id = self.event(end, f"{kind}_plan_end") if end is not None else None
        period = PlanPeriod(
            kind=kind,
            start=day(start),
            end=_maybe_day(end),
            number=sum(1 for p in self.plans if p.kind == kind) + 1,
            previous_reported=previous_reported,
            start_event_id=start_id,
            end_event_id=end_id,
        )
        self.plans.append(period)
        return period

    def father(self, name: str, person_id: int, relationship: str = "father") -> Involved:
        self.family.append(FamilyPerson((person_id,), name, relationship))
        return person(person_id, name, "attendee", relationship)

    def build(self) -> ChildFacts:
        return child_facts(
            self.facts,
            plans=list(self.plans),
            dob="2015-01-01",
            as_of=self.as_of,
            clusters=dict(self.clusters),
            family=list(self.family),
            coverage=dict(self.coverage),
            person_id=self.person_id,
            la_child_id=self.la_child_id,
        )
