"""One child's incidents as a panel counts them: the reports of one incident cluster are one incident.

``ChildFacts.clusters`` maps an event id to its incident cluster (from the link graph); an incident
event not in the map is an incident of its own. The incident's day is its earliest report's day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

from chronology.analysis.classify import is_da_incident, is_incident
from chronology.analysis.facts import EDUCATION, HEALTH, POLICE, SOCIAL_CARE, Fact, Involved
from chronology.analysis.pattern_settings import Words

SHORT_AGENCY = {POLICE: "police", EDUCATION: "school", HEALTH: "health", SOCIAL_CARE: "social care"}


def short_agency(top: str) -> str:
    """The word a panel uses for an agency: "police", "school", "health", or the agency as written."""
    return SHORT_AGENCY.get(top, top)


@dataclass(frozen=True, slots=True)
class Incident:
    """One incident: every agency's report of it, counted once."""

    cluster: str
    day: dt.date
    facts: tuple[Fact, ...]
    da: bool

    @property
    def event_ids(self) -> tuple[int, ...]:
        return tuple(f.id for f in self.facts)

    @property
    def agencies(self) -> frozenset[str]:
        return frozenset(f.top_agency for f in self.facts)

    @property
    def victims(self) -> frozenset[str]:
        return frozenset(
            key
            for f in self.facts
            for person in f.persons
            if _is_victim(person)
            for key in person_keys(person)
        )

    def describe(self) -> str:
        """E.g. "2021-02-03 police and school"."""
        return f"{self.day.isoformat()} {' and '.join(sorted(short_agency(a) for a in self.agencies))}"


def _is_victim(person: Involved) -> bool:
    return person.role is not None and "victim" in person.role.lower()


def person_keys(person: Involved) -> set[str]:
    """Keys that identify a person across records: the joined person id, and the name when given."""
    keys = set()
    if person.person_id is not None:
        keys.add(f"id:{person.person_id}")
    if person.name and person.name.strip():
        keys.add(f"name:{' '.join(person.name.lower().split())}")
    return keys


def victims_of(fact: Fact) -> frozenset[str]:
    return frozenset(key for person in fact.persons if _is_victim(person) for key in person_keys(person))


def group_incidents(facts: Iterable[Fact], clusters: dict[int, str], words: Words) -> list[Incident]:
    """The child's dated incidents, one per cluster, oldest first."""
    grouped: dict[str, list[Fact]] = {}
    for fact in facts:
        if fact.day is not None and is_incident(fact, words):
            grouped.setdefault(clusters.get(fact.id, f"event-{fact.id}"), []).append(fact)
    incidents = [
        Incident(
            cluster=cluster,
            day=min(f.day for f in members if f.day is not None),
            facts=tuple(sorted(members, key=lambda f: (f.day, f.id))),
            da=any(is_da_incident(f, words) for f in members),
        )
        for cluster, members in grouped.items()
    ]
    return sorted(incidents, key=lambda incident: (incident.day, incident.cluster))


def describe_all(incidents: Iterable[Incident]) -> str:
    return ", ".join(incident.describe() for incident in incidents)
