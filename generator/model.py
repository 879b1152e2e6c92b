"""The synthetic world: people, families and what happened to each child, independent of any file format.

Writers (template CSV today; CIN census, FHIR, school logs ... later) all render the same
``Family`` objects, so every format tells the same story and one ground truth fits them all.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

FATHER_ROLES = ("father", "step-father", "mother's partner")


@dataclass(slots=True)
class Person:
    """Anyone in a child's life: parent, partner, grandparent, sibling or the child."""

    person_id: str
    forenames: str
    surname: str
    dob: dt.date
    sex: str  # "F" or "M"
    nhs_number: str | None = None

    @property
    def name(self) -> str:
        return f"{self.forenames} {self.surname}"


@dataclass(slots=True)
class Relation:
    """How a person relates to one child (roles differ between half-siblings in one household)."""

    person: Person
    role: str  # mother, father, step-father, mother's partner, sibling, half-sibling, grandparent
    lives_with_child: bool
    parental_responsibility: bool
    since: dt.date | None = None


@dataclass(frozen=True, slots=True)
class Mention:
    """A person named on one record, with their relationship to the child first, then their part."""

    name: str
    roles: tuple[str, ...]
    person_id: str | None = None


@dataclass(slots=True)
class WorldEvent:
    """One agency's record of something that happened, about one child.

    ``labels`` are the world's category words (a writer may translate them); ``voice`` is the
    child's own words; ``reference`` is the police occurrence reference, on the police record and
    on records that quote it; ``ids`` are the child's identifiers exactly as this agency wrote them.
    """

    agency: str
    record_id: str
    day: dt.date
    labels: tuple[str, ...]
    text: str
    source: str
    time: dt.time | None = None
    end_day: dt.date | None = None
    end_time: dt.time | None = None
    persons: tuple[Mention, ...] = ()
    impact: str = ""
    action: str = ""
    analysis: str = ""
    voice: str | None = None
    reference: str | None = None
    precision: str = "day"  # "day" or "month": what the agency recorded
    uncertain: bool = False
    ids: dict[str, str] = field(default_factory=dict)
    seq: int | None = None


@dataclass(slots=True)
class Plan:
    """A child protection (CP) or child in need (CIN) plan; ``end`` None means still open."""

    kind: str
    start: dt.date
    end: dt.date | None
    category: str | None = None
    main_concern: str | None = None


@dataclass(slots=True)
class Report:
    """One agency's record of a shared incident (for the ground truth)."""

    agency: str
    record_id: str
    what: str


@dataclass(slots=True)
class SharedIncident:
    """An incident several agencies recorded: the police occurrence and everything that followed."""

    reference: str
    day: dt.date
    time: dt.time
    kind: str
    reports: list[Report] = field(default_factory=list)


@dataclass(slots=True)
class Decoy:
    """A routine record on the same day as an incident that must not be linked to it."""

    agency: str
    record_id: str
    day: dt.date
    near_reference: str
    why: str


@dataclass(slots=True)
class Mistyped:
    """An identifier an agency wrote with a typing error (fails its check character)."""

    agency: str
    record_id: str
    field: str
    written: str
    correct: str


@dataclass(slots=True)
class ChildRecord:
    """A child known to the authority, with everything the agencies recorded about them."""

    child: Person
    la_child_id: str
    upn: str | None
    relations: list[Relation]
    events: list[WorldEvent] = field(default_factory=list)
    plans: list[Plan] = field(default_factory=list)
    scenario: str | None = None
    planted: tuple[str, ...] = ()
    must_not: tuple[tuple[str, str], ...] = ()
    shared_incidents: list[SharedIncident] = field(default_factory=list)
    decoys: list[Decoy] = field(default_factory=list)
    mistyped: list[Mistyped] = field(default_factory=list)
    patterns: dict[str, list[dict[str, str]]] | None = None  # what fires, for planted children

    def relation(self, role: str) -> Relation | None:
        return next((rel for rel in self.relations if rel.role == role), None)

    def fathers(self) -> list[Relation]:
        return [rel for rel in self.relations if rel.role in FATHER_ROLES]


@dataclass(slots=True, weakref_slot=True)
class Family:
    """One household: the unit the generator builds and every writer receives, one at a time."""

    index: int
    people: list[Person]
    children: list[ChildRecord]
