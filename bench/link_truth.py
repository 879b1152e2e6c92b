"""Incident clusters measured against a generated authority's ``ground-truth.json``.

``cross_agency_incidents`` lists each planted incident with every agency's report (agency and
record ID as the generator wrote it); ``decoys`` lists routine records made the same day that must
stay out. Each report is found among the stored events of the child's group:

- by its record ID: as stored (``EDU-...``, ``CSC-...``), or as the part after a FHIR resource type
  (``Encounter/HLT-...`` and the ``Condition/HLT-...`` recorded in it), or, for a police
  ``<reference>/<n>``, the occurrence's reference;
- a referral the CIN census carries (the census has no record IDs): the child's referral from the
  police dated on the incident's day or up to 3 days after.

Scores, over pairs of records (a FHIR encounter and the condition recorded in it are one record,
``HLT-...``): precision (pairs put in one cluster that are reports of one planted incident) and
recall (pairs of reports of one planted incident that share a cluster); per incident,
whether all its reports share one cluster; per decoy, whether it was given any incident cluster.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field
from itertools import combinations
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, select

from chronology.db.models import Event, EventGroup
from chronology.record import find_child, load_child

REFERRAL_DAYS = 3


@dataclass(slots=True)
class LinkScore:
    incidents: int = 0
    together: int = 0  # every report in one cluster
    unresolved: list[str] = field(default_factory=list)  # reports not found among the child's events
    split: list[str] = field(default_factory=list)  # incidents whose reports are in several clusters
    decoys: int = 0
    decoys_clustered: list[str] = field(default_factory=list)
    truth_pairs: int = 0
    predicted_pairs: int = 0
    correct_pairs: int = 0

    @property
    def precision(self) -> float:
        return self.correct_pairs / self.predicted_pairs if self.predicted_pairs else 1.0

    @property
    def recall(self) -> float:
        return self.correct_pairs / self.truth_pairs if self.truth_pairs else 1.0

    def lines(self) -> list[str]:
        return [
            f"planted cross-agency incidents: {self.incidents}; all reports in one cluster: {self.together}",
            f"reports not found in the store: {len(self.unresolved)}",
            f"decoys: {self.decoys}; pulled into an incident cluster: {len(self.decoys_clustered)}",
            f"event pairs: truth {self.truth_pairs}, clustered {self.predicted_pairs}, both {self.correct_pairs}",
            f"pairwise precision {self.precision:.3f}, recall {self.recall:.3f}",
        ]


@dataclass(slots=True)
class _ChildEvents:
    rows: list[Any]
    by_record: dict[str, set[int]]


def _child_events(
    engine: Engine, la_child_id: str, cache: dict[str, _ChildEvents | None]
) -> _ChildEvents | None:
    if la_child_id in cache:
        return cache[la_child_id]
    events = Event.__table__
    with engine.connect() as conn:
        person_id = find_child(conn, la_child_id)
        if person_id is None:
            cache[la_child_id] = None
            return None
        members = load_child(conn, person_id, with_events=False).members
        rows = list(
            conn.execute(
                select(
                    events.c.id,
                    events.c.event_type,
                    events.c.date,
                    events.c.source_record_id,
                    events.c.attributes,
                ).where(events.c.subject_id.in_(members))
            )
        )
    by_record: dict[str, set[int]] = defaultdict(set)
    for row in rows:
        rid = row.source_record_id or ""
        for key in {rid, rid.split("/", 1)[1] if "/" in rid and rid[0].isupper() else rid}:
            if key:
                by_record[key].add(int(row.id))
        ref = (row.attributes or {}).get("occurrence_ref")
        if row.event_type == "police_occurrence" and ref:
            by_record[f"police:{ref}"].add(int(row.id))
    cache[la_child_id] = _ChildEvents(rows, by_record)
    return cache[la_child_id]


def resolve(report: dict[str, Any], incident: dict[str, Any], child: _ChildEvents) -> set[int]:
    """The stored events that are this report of the incident."""
    rid = report["record_id"]
    if report["agency"] == "Police":
        found = child.by_record.get(f"police:{rid.split('/')[0]}", set())
    else:
        found = child.by_record.get(rid, set())
    if found or report.get("what") != "referral":
        return set(found)
    day = dt.date.fromisoformat(incident["date"])
    return {
        int(row.id)
        for row in child.rows
        if row.event_type == "referral"
        and row.date is not None
        and 0 <= (row.date - day).days <= REFERRAL_DAYS
        and str((row.attributes or {}).get("ReferralSource", "")) == "6"
    }


def score(engine: Engine, ground_truth: Path) -> LinkScore:
    truth = json.loads(ground_truth.read_text(encoding="utf-8"))
    result = LinkScore()
    cache: dict[str, _ChildEvents | None] = {}
    groups = _clusters(engine)
    truth_pairs: set[frozenset[int]] = set()
    for incident in truth["cross_agency_incidents"]:
        result.incidents += 1
        child = _child_events(engine, incident["la_child_id"], cache)
        label = f"{incident['la_child_id']} {incident['police_reference']} {incident['date']}"
        events: set[int] = set()
        for report in incident["reports"]:
            found = resolve(report, incident, child) if child else set()
            if not found:
                result.unresolved.append(f"{label}: {report['agency']} {report['record_id']}")
            events |= found
        truth_pairs |= {frozenset(p) for p in combinations(sorted(events), 2)}
        clusters = {groups.get(e) for e in events}
        if len(clusters) == 1 and None not in clusters:
            result.together += 1
        else:
            result.split.append(label)
    for decoy in truth["decoys"]:
        result.decoys += 1
        child = _child_events(engine, decoy["la_child_id"], cache)
        found = resolve(decoy, decoy, child) if child else set()
        if any(groups.get(e) for e in found):
            result.decoys_clustered.append(f"{decoy['la_child_id']} {decoy['agency']} {decoy['record_id']}")
    records = _record_keys(engine)
    truth_pairs = {frozenset(records[e] for e in pair) for pair in truth_pairs}
    truth_pairs = {pair for pair in truth_pairs if len(pair) == 2}
    members: dict[str, set[str]] = defaultdict(set)
    for event_id, cluster in groups.items():
        members[cluster].add(records[event_id])
    predicted = {frozenset(p) for keys in members.values() for p in combinations(sorted(keys), 2)}
    result.truth_pairs, result.predicted_pairs = len(truth_pairs), len(predicted)
    result.correct_pairs = len(truth_pairs & predicted)
    return result


FHIR_ID = re.compile(r"^[A-Z][A-Za-z]+/(.+)$")


def _record_keys(engine: Engine) -> dict[int, str]:
    """Event -> the record it came from (FHIR resources of one record ID are one record)."""
    events = Event.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(events.c.id, events.c.subject_id, events.c.source_system, events.c.source_record_id)
        )
        keys = {}
        for event_id, subject, system, rid in rows:
            match = FHIR_ID.match(rid or "") if system == "fhir" else None
            keys[int(event_id)] = f"{subject}|{system}|{match.group(1) if match else rid or event_id}"
        return keys


def _clusters(engine: Engine) -> dict[int, str]:
    groups = EventGroup.__table__
    with engine.connect() as conn:
        rows = conn.execute(
            select(groups.c.event_id, groups.c.incident_cluster).where(groups.c.incident_cluster.is_not(None))
        )
        return {int(event_id): cluster for event_id, cluster in rows}
