"""Incident clusters measured against a generated authority's ``ground-truth.json``.

``cross_agency_incidents`` lists each planted incident with every agency's report (agency and
record ID as the generator wrote it); ``decoys`` lists routine records made the same day that must
stay out. Each report is found among the stored events of the child's group:

- by its record ID: as stored (``EDU-...``, ``CSC-...``), or as the part after a FHIR resource type
  (``Encounter/HLT-...`` and the ``Condition/HLT-...`` recorded in it); a police report by the
  incident's ``police_reference`` as a token (``chronology.references``), against the references the
  stored police occurrence carries, so any force's reference shape (``--vary``) is found;
- a referral the CIN census carries (the census has no record IDs): the child's referral from the
  police (its canonical referring agency) dated on the incident's day or up to 3 days after.

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

from chronology.db.models import Event, EventGroup, Person, PersonIdentifier
from chronology.references import reference_token

REFERRAL_DAYS = 3


@dataclass(slots=True)
class LinkScore:
    incidents: int = 0
    together: int = 0  # every report in one cluster
    unresolved: list[str] = field(default_factory=list)  # reports not found among the child's events
    split: list[str] = field(default_factory=list)  # reports in one child group but several clusters
    identity_split: list[str] = field(default_factory=list)  # reports in two person groups (identity)
    decoys: int = 0
    decoys_clustered: list[str] = field(default_factory=list)
    truth_pairs: int = 0
    predicted_pairs: int = 0
    correct_pairs: int = 0
    same_group_pairs: int = 0  # truth pairs whose two records are in one child's record

    @property
    def recall_within_record(self) -> float:
        """Recall over the pairs linking could join: both records in the same child's group."""
        return self.correct_pairs / self.same_group_pairs if self.same_group_pairs else 1.0

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
            f"reports in one child's record but in several clusters (linking missed): {len(self.split)}",
            f"reports split between two person groups (identity left the child apart): {len(self.identity_split)}",
            f"decoys: {self.decoys}; pulled into an incident cluster: {len(self.decoys_clustered)}",
            f"event pairs: truth {self.truth_pairs}, clustered {self.predicted_pairs}, both {self.correct_pairs}",
            f"pairwise precision {self.precision:.3f}, recall {self.recall:.3f} "
            f"(recall {self.recall_within_record:.3f} over the {self.same_group_pairs} pairs in one child's record)",
        ]


@dataclass(slots=True)
class _Store:
    """Every event's record keys, child group and subject name, read once."""

    by_key: dict[str, list[int]]
    root: dict[int, int]  # event -> its subject's group root
    referrals: list[tuple[int, dt.date, str]]  # (event, day, ReferralSource)
    la_root: dict[str, int]  # LA child ID -> group root


def _load_store(engine: Engine) -> _Store:
    events, persons, idents = Event.__table__, Person.__table__, PersonIdentifier.__table__
    with engine.connect() as conn:
        parent = {
            int(i): int(p)
            for i, p in conn.execute(
                select(persons.c.id, persons.c.merged_into_id).where(persons.c.merged_into_id.is_not(None))
            )
        }

        def root(person: int) -> int:
            seen = set()
            while person in parent and person not in seen:
                seen.add(person)
                person = parent[person]
            return person

        store = _Store(defaultdict(list), {}, [], {})
        for value, person in conn.execute(
            select(idents.c.value, idents.c.person_id).where(
                idents.c.kind == "la_child_id", idents.c.valid.is_(True)
            )
        ):
            store.la_root.setdefault(value, root(int(person)))
        rows = conn.execute(
            select(
                events.c.id,
                events.c.subject_id,
                events.c.event_type,
                events.c.date,
                events.c.source_record_id,
                events.c.agency,
                events.c.refs,
                events.c.referring_agency,
            )
        )
        for event_id, subject, event_type, day, rid, agency, refs, referrer in rows:
            event_id, rid = int(event_id), rid or ""
            store.root[event_id] = root(int(subject))
            keys = {rid}
            if FHIR_ID.match(rid) and not rid.startswith("LA"):
                keys.add(rid.split("/", 1)[1])
            if event_type == "police_occurrence" and agency == "Police":
                keys = {f"police:{token}" for token in _police_tokens(refs or [])}
            for key in keys - {""}:
                store.by_key[key].append(event_id)
            if event_type == "referral" and day is not None:
                store.referrals.append((event_id, day, referrer or ""))
    return store


def _police_tokens(refs: list[dict[str, str]]) -> set[str]:
    """A police occurrence's own reference tokens (its quoted ones when it carries none, as a police
    row on the chronology template does)."""
    own = {r["token"] for r in refs if r.get("role") == "own"}
    return own or {r["token"] for r in refs if r.get("kind") in ("police_occurrence", "crime")}


def candidates(report: dict[str, Any], incident: dict[str, Any], store: _Store) -> list[int]:
    """Every stored event that could be this report (a police occurrence is one event per child)."""
    rid = report["record_id"]
    police_ref = incident.get("police_reference") or incident.get("near_police_reference") or ""
    police = report["agency"] == "Police"
    key = f"police:{reference_token(police_ref)}" if police else rid
    found = list(store.by_key.get(key, ()))
    if not found and report.get("what") == "referral":
        day = dt.date.fromisoformat(incident["date"])
        found = [
            i
            for i, d, source in store.referrals
            if source == "Police" and 0 <= (d - day).days <= REFERRAL_DAYS
        ]
    return found


def resolve_incident(incident: dict[str, Any], store: _Store) -> tuple[dict[int, set[int]], set[int]]:
    """Report index -> its events, and the child groups they were found in.

    A report is looked for in the child's own group (by LA child ID) first. When identity left part
    of the child's records in another group, a report found there is taken when it is the only record
    with that ID, or when it is in a group where such a unique report of the same incident was found.
    """
    own = store.la_root.get(incident["la_child_id"])
    found: dict[int, list[int]] = {
        n: candidates(r, incident, store) for n, r in enumerate(incident["reports"])
    }
    homes = {own} if own is not None else set()
    homes |= {store.root[c[0]] for c in found.values() if len(c) == 1}
    resolved = {
        n: {i for i in c if store.root[i] == own} or {i for i in c if store.root[i] in homes}
        for n, c in found.items()
    }
    return resolved, {store.root[i] for events in resolved.values() for i in events}


def score(engine: Engine, ground_truth: Path) -> LinkScore:
    truth = json.loads(ground_truth.read_text(encoding="utf-8"))
    result = LinkScore()
    store = _load_store(engine)
    groups = _clusters(engine)
    truth_pairs: set[frozenset[int]] = set()
    for incident in truth["cross_agency_incidents"]:
        result.incidents += 1
        label = f"{incident['la_child_id']} {incident['police_reference']} {incident['date']}"
        resolved, _ = resolve_incident(incident, store)
        events: set[int] = set()
        for n, report in enumerate(incident["reports"]):
            if not resolved[n]:
                result.unresolved.append(f"{label}: {report['agency']} {report['record_id']}")
            events |= resolved[n]
        truth_pairs |= {frozenset(p) for p in combinations(sorted(events), 2)}
        clusters = {groups.get(e) for e in events}
        if len(clusters) == 1 and None not in clusters:
            result.together += 1
        elif len({store.root[e] for e in events}) > 1:
            result.identity_split.append(label)
        else:
            result.split.append(label)
    for decoy in truth["decoys"]:
        result.decoys += 1
        found = {
            i
            for i in candidates(decoy, decoy, store)
            if store.root[i] == store.la_root.get(decoy["la_child_id"])
        }
        if any(groups.get(e) for e in found):
            result.decoys_clustered.append(f"{decoy['la_child_id']} {decoy['agency']} {decoy['record_id']}")
    records = _record_keys(engine)
    same_group = {
        frozenset(records[e] for e in pair) for pair in truth_pairs if len({store.root[e] for e in pair}) == 1
    }
    truth_pairs = {frozenset(records[e] for e in pair) for pair in truth_pairs}
    truth_pairs = {pair for pair in truth_pairs if len(pair) == 2}
    members: dict[str, set[str]] = defaultdict(set)
    for event_id, cluster in groups.items():
        members[cluster].add(records[event_id])
    predicted = {frozenset(p) for keys in members.values() for p in combinations(sorted(keys), 2)}
    result.truth_pairs, result.predicted_pairs = len(truth_pairs), len(predicted)
    result.correct_pairs = len(truth_pairs & predicted)
    result.same_group_pairs = len({pair for pair in same_group if len(pair) == 2})
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
