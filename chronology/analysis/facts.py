"""The shapes every analysis module shares: one child's events, plans, family and links, as read.

The loader (``load.py``) fills a ``ChildFacts`` from the store; plans (``plans.py``), the link graph
(``links.py``), cumulative harm (``harm.py``) and the patterns (``patterns.py``) are pure functions
over it, so each can be tested with facts built by hand and a cohort can be split across processes.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

POLICE = "Police"
HEALTH = "Health"
EDUCATION = "Education"
SOCIAL_CARE = "Children's social care"


def top_agency(agency: str) -> str:
    """The top-level agency a panel counts: every school is education, every NHS provider health.

    Importers write a school as ``Education: <school name>``; anything after a colon is a service.
    """
    head = agency.split(":", 1)[0].strip()
    lowered = head.lower()
    if lowered.startswith(("education", "school")):
        return EDUCATION
    if lowered.startswith(("health", "nhs")):
        return HEALTH
    if lowered.startswith("police"):
        return POLICE
    if lowered.startswith("children's social care") or lowered == "social care":
        return SOCIAL_CARE
    return head


@dataclass(frozen=True, slots=True)
class Involved:
    """Someone named on an event: the joined person (root id) when known, their name and part."""

    person_id: int | None  # root of the merged person, None when only a name was given
    name: str | None
    role: str | None  # their part in the event (victim, suspect, father, social worker, ...)
    relationship: str | None  # their relationship to the child when family (father, mother, ...)


@dataclass(frozen=True, slots=True)
class Ref:
    """A reference an event carries (``own``) or quotes, with the token records are joined on."""

    kind: str  # police_occurrence | crime | marac | case | ...
    value: str  # as the source wrote it
    token: str  # chronology.references.reference_token(value)
    own: bool = False
    source: str = ""  # the column it came from, or "summary" / "action_outcome" for free text


@dataclass(frozen=True, slots=True)
class Fact:
    """One stored event as the analysis reads it. ``day`` is the earliest day the date could be."""

    id: int
    day: dt.date | None  # None: undated, never used by a rule that needs a date
    precision: str  # day | month | year | unknown
    time: dt.time | None
    agency: str  # as recorded, e.g. "Education: Oak Lane Primary School"
    event_type: str  # controlled vocabulary (config/vocabulary.toml)
    categories: tuple[str, ...]
    themes: frozenset[str]
    summary: str
    significant: bool
    child_voice: bool  # the child's own words recorded, or the child seen alone
    persons: tuple[Involved, ...]
    attributes: dict[str, Any]
    source_record_id: str | None
    end: dt.date | None = None  # the event's own end date when it has one (an Annex A plan row)
    natural_key: str | None = None  # the store's unique key: stable across rebuilds, names link groups
    references: tuple[Ref, ...] = ()
    referring_agency: str | None = None  # for a contact or referral: the top agency that made it
    encounter: str | None = None  # the encounter or episode of care the record belongs to
    labels: frozenset[str] = frozenset()  # vocabulary keys its type and categories matched

    @property
    def own_tokens(self) -> frozenset[str]:
        return frozenset(ref.token for ref in self.references if ref.own)

    @property
    def quoted(self) -> tuple[Ref, ...]:
        return tuple(ref for ref in self.references if not ref.own)

    @property
    def top_agency(self) -> str:
        return top_agency(self.agency)


@dataclass(frozen=True, slots=True)
class FamilyPerson:
    """An adult or sibling around the child, by joined person, with their relationship."""

    person_ids: tuple[int, ...]  # every source person id that is this person (roots and members)
    name: str
    relationship: str  # mother, father, step-father, mother's partner, sibling, ...


@dataclass(frozen=True, slots=True)
class PlanPeriod:
    """A child protection plan, child in need plan or looked-after episode, derived from events.

    ``number`` counts plans of the same kind for the child (1 = first); ``previous_reported`` is
    what the census said (``NumberOfPreviousCPP``), which may know of plans before our data.
    """

    kind: str  # cp | cin | looked_after
    start: dt.date
    end: dt.date | None  # None: still open at the data's end
    number: int
    category: str | None = None  # e.g. "NEG" or "Emotional abuse", as the source gave it
    previous_reported: int | None = None
    start_event_id: int | None = None
    end_event_id: int | None = None

    def open_on(self, day: dt.date, as_of: dt.date) -> bool:
        return self.start <= day <= (self.end or as_of)

    def days(self, as_of: dt.date) -> int:
        return ((self.end or as_of) - self.start).days


@dataclass(frozen=True, slots=True)
class Link:
    """A typed, explained edge of the link graph between two events (``a`` earlier or same day)."""

    a: int
    b: int
    kind: str  # same_incident | led_to | same_person | follows
    reason: str  # in words, e.g. "police reference OR-22-000123 quoted by the school"


@dataclass(slots=True)
class ChildFacts:
    """Everything the analysis knows about one child, oldest event first."""

    person_id: int  # the child's joined person (root)
    la_child_id: str | None
    name: str | None
    dob: dt.date | None
    facts: list[Fact]
    family: list[FamilyPerson] = field(default_factory=list)
    plans: list[PlanPeriod] = field(default_factory=list)
    links: list[Link] = field(default_factory=list)
    clusters: dict[int, str] = field(default_factory=dict)  # event id -> incident cluster id
    episodes: dict[int, str] = field(default_factory=dict)  # event id -> episode id
    unmatched: dict[int, tuple[str, ...]] = field(default_factory=dict)  # event id -> references
    coverage: dict[str, tuple[dt.date, dt.date]] = field(default_factory=dict)  # top agency -> span
    as_of: dt.date | None = None  # the audit's reference date


@dataclass(frozen=True, slots=True)
class Flag:
    """One pattern found for one child, with the evidence that made it fire."""

    child_person_id: int
    pattern: str
    evidence_from: dt.date
    evidence_to: dt.date
    events: tuple[int, ...]  # evidence event ids
    detail: str  # in words, why the rule fired
