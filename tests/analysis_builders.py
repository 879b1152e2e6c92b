"""Build one child's ``ChildFacts`` by hand for analysis tests: say what happened, in dates and words.

    child = ChildBuilder()
    child.police_da("2021-02-03", victim="Kelly Hart")
    child.plan("2021-03-01", "2021-09-01")
    facts = child.build()

Every method returns the id of the event it added (or the plan), so a test can check evidence ids.
Dates are ISO strings or ``datetime.date``. Reports of one incident share ``cluster=``.
"""

from __future__ import annotations

import datetime as dt
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
)

Day = str | dt.date


def day(value: Day) -> dt.date:
    return value if isinstance(value, dt.date) else dt.date.fromisoformat(value)


def shift(value: Day, days: int) -> dt.date:
    return day(value) + dt.timedelta(days=days)


@dataclass
class ChildBuilder:
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
            Fact(
                id=event_id,
                day=day(when),
                precision="day",
                time=None,
                agency=agency,
                event_type=event_type,
                categories=categories,
                themes=frozenset(themes),
                summary=summary or event_type.replace("_", " "),
                significant=False,
                child_voice=child_voice,
                persons=persons,
                attributes=attributes or {},
                source_record_id=f"REC-{event_id}",
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
        plan = PlanPeriod(
            kind=kind,
            start=day(start),
            end=day(end) if end is not None else None,
            number=sum(1 for p in self.plans if p.kind == kind) + 1,
            previous_reported=previous_reported,
            start_event_id=start_id,
            end_event_id=end_id,
        )
        self.plans.append(plan)
        return plan

    def father(self, name: str, person_id: int, relationship: str = "father") -> Involved:
        self.family.append(FamilyPerson((person_id,), name, relationship))
        return Involved(person_id, name, "attendee", relationship)

    def build(self) -> ChildFacts:
        return ChildFacts(
            person_id=self.person_id,
            la_child_id=self.la_child_id,
            name="Test Child",
            dob=dt.date(2015, 1, 1),
            facts=sorted(self.facts, key=lambda f: (f.day or dt.date.min, f.id)),
            family=list(self.family),
            plans=list(self.plans),
            clusters=dict(self.clusters),
            coverage=dict(self.coverage),
            as_of=day(self.as_of) if self.as_of is not None else None,
        )


def victim_person(name: str, person_id: int | None = None) -> Involved:
    return Involved(person_id, name, "victim", None)
