"""Every child's flags and cohort profile kept in the store, so the audit panel reads rather than runs.

Running the patterns for a whole authority takes minutes; a panel page must answer in a second or
two. ``chronology audit-store`` runs ``find_flags`` for each child and keeps the flags with a small
*profile*: the child's plans, date of birth, the facts a cohort filter and a plan's main concern
consult (assessments and referrals that name a theme, and one summary per agency of the themes it
recorded), and the days of the child's incidents for the charts. ``restore`` turns a profile back
into a ``ChildFacts`` on which ``cohorts.select`` gives the same answer as on the full facts (the
tests compare the two), so the panel uses the project's cohort rules, not a copy of them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import Connection, delete, insert, select

from chronology.analysis.facts import ChildFacts, Fact, Flag, PlanPeriod
from chronology.analysis.harm import reference_date
from chronology.analysis.incidents import group_incidents
from chronology.analysis.pattern_settings import PatternSettings, load_pattern_settings
from chronology.analysis.patterns import find_flags
from chronology.db.chunks import chunks
from chronology.db.models import AuditFlag, AuditSnapshot, utcnow

snapshots_t = AuditSnapshot.__table__
flags_t = AuditFlag.__table__

# Facts a cohort's "main concern" reads (chronology/analysis/concern.py sources).
CONCERN_EVENT_TYPES = frozenset({"assessment", "referral"})
PROFILE_VERSION = 1


@dataclass(frozen=True, slots=True)
class StoredIncident:
    day: dt.date
    da: bool  # a domestic abuse incident


@dataclass(slots=True)
class StoredChild:
    """One child as the panel reads it: a reduced ``ChildFacts``, their flags and incidents."""

    child: ChildFacts
    flags: list[Flag]
    incidents: list[StoredIncident]
    computed_at: dt.datetime


# --- the profile ---------------------------------------------------------------------------------------


def _fact_dict(fact: Fact) -> dict[str, Any]:
    return {
        "id": fact.id,
        "day": fact.day.isoformat() if fact.day else None,
        "agency": fact.agency,
        "event_type": fact.event_type,
        "themes": sorted(fact.themes),
    }


def profile_of(child: ChildFacts, settings: PatternSettings | None = None) -> dict[str, Any]:
    """What the panel needs of a child, as JSON-ready data."""
    settings = settings or load_pattern_settings()
    as_of = reference_date(child)
    seen = [f for f in child.facts if f.day is None or as_of is None or f.day <= as_of]
    by_agency: dict[str, set[str]] = {}
    for fact in seen:
        by_agency.setdefault(fact.top_agency, set()).update(fact.themes)
    concern_facts = [f for f in child.facts if f.event_type in CONCERN_EVENT_TYPES and f.themes and f.day]
    dated = sorted(
        (f for f in child.facts if f.day is not None and (as_of is None or f.day <= as_of)),
        key=lambda f: (f.day, f.id),
    )
    incidents = group_incidents(dated, child.clusters, settings.words)
    return {
        "version": PROFILE_VERSION,
        "la_child_id": child.la_child_id,
        "dob": child.dob.isoformat() if child.dob else None,
        "as_of": as_of.isoformat() if as_of else None,
        "plans": [_plan_dict(plan) for plan in child.plans],
        "agencies": {agency: sorted(themes) for agency, themes in sorted(by_agency.items())},
        "concern_facts": [_fact_dict(f) for f in concern_facts],
        "incidents": [[incident.day.isoformat(), incident.da] for incident in incidents],
    }


def _plan_dict(plan: PlanPeriod) -> dict[str, Any]:
    data = asdict(plan)
    data["start"] = plan.start.isoformat()
    data["end"] = plan.end.isoformat() if plan.end else None
    return data


def _day(value: str | None) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def _fact(data: dict[str, Any]) -> Fact:
    day = _day(data["day"])
    return Fact(
        id=int(data["id"]),
        day=day,
        precision="day" if day else "unknown",
        time=None,
        agency=data["agency"],
        event_type=data["event_type"],
        categories=(),
        themes=frozenset(data["themes"]),
        summary="",
        significant=False,
        child_voice=False,
        persons=(),
        attributes={},
        source_record_id=None,
    )


def restore(person_id: int, profile: dict[str, Any]) -> ChildFacts:
    """A reduced ``ChildFacts``: enough for ``cohorts.select`` to decide as on the full facts.

    Each agency's themes become one undated summary fact (undated facts count for every reference
    date, and the profile already kept only what was recorded up to the child's).
    """
    summaries = [
        _fact({"id": -index, "day": None, "agency": agency, "event_type": "agency_summary", "themes": themes})
        for index, (agency, themes) in enumerate(profile["agencies"].items(), 1)
    ]
    plans = [
        PlanPeriod(**{**plan, "start": _day(plan["start"]), "end": _day(plan["end"])})
        for plan in profile["plans"]
    ]
    return ChildFacts(
        person_id=person_id,
        la_child_id=profile["la_child_id"],
        name=None,
        dob=_day(profile["dob"]),
        facts=[_fact(f) for f in profile["concern_facts"]] + summaries,
        plans=plans,
        as_of=_day(profile["as_of"]),
    )


# --- writing and reading -------------------------------------------------------------------------------


def store_child(conn: Connection, child: ChildFacts, settings: PatternSettings | None = None) -> list[Flag]:
    """Run every pattern for the child and replace what was stored for them; returns the flags."""
    flags, profile = assess(child, settings)
    write_assessment(conn, child, flags, profile)
    return flags


def assess(child: ChildFacts, settings: PatternSettings | None = None) -> tuple[list[Flag], dict[str, Any]]:
    """The child's flags and profile, computed without touching the store (so a worker can do this
    before it takes the write lock)."""
    settings = settings or load_pattern_settings()
    return find_flags(child, settings), profile_of(child, settings)


def write_assessment(conn: Connection, child: ChildFacts, flags: list[Flag], profile: dict[str, Any]) -> None:
    """Replace what was stored for the child by these flags and profile."""
    write_assessments(conn, [(child, flags, profile)])


def write_assessments(
    conn: Connection, assessed: Sequence[tuple[ChildFacts, list[Flag], dict[str, Any]]]
) -> None:
    """Replace what was stored for several children by their flags and profiles, in a few statements
    for them all (one child at a time cost a round trip per statement per child)."""
    if not assessed:
        return
    ids = sorted({child.person_id for child, _, _ in assessed})
    forget_snapshots(conn, ids)
    now = utcnow()
    conn.execute(
        insert(snapshots_t),
        [
            {
                "child_id": child.person_id,
                "la_child_id": child.la_child_id,
                "as_of": _day(profile["as_of"]),
                "computed_at": now,
                "profile": profile,
            }
            for child, _, profile in assessed
        ],
    )
    rows = [
        {
            "child_id": child.person_id,
            "pattern": flag.pattern,
            "evidence_from": flag.evidence_from,
            "evidence_to": flag.evidence_to,
            "events": list(flag.events),
            "detail": flag.detail,
        }
        for child, flags, _ in assessed
        for flag in flags
    ]
    if rows:
        conn.execute(insert(flags_t), rows)


def forget_others(conn: Connection, keep: set[int]) -> int:
    """Drop snapshots of children who are no longer children in their own right (merged away)."""
    stored = set(conn.execute(select(snapshots_t.c.child_id)).scalars())
    return forget_snapshots(conn, sorted(stored - keep))


def forget_snapshots(conn: Connection, child_ids: list[int]) -> int:
    """Drop these children's snapshots and flags."""
    for part in chunks(child_ids):
        conn.execute(delete(flags_t).where(flags_t.c.child_id.in_(part)))
        conn.execute(delete(snapshots_t).where(snapshots_t.c.child_id.in_(part)))
    return len(child_ids)


def _flags_by_child(conn: Connection) -> dict[int, list[Flag]]:
    found: dict[int, list[Flag]] = {}
    query = select(flags_t).order_by(flags_t.c.child_id, flags_t.c.evidence_from, flags_t.c.id)
    for row in conn.execute(query):
        found.setdefault(int(row.child_id), []).append(
            Flag(
                int(row.child_id),
                row.pattern,
                row.evidence_from,
                row.evidence_to,
                tuple(int(e) for e in row.events or ()),
                row.detail,
            )
        )
    return found


def stored_children(conn: Connection, child_ids: Iterable[int] | None = None) -> Iterator[StoredChild]:
    """Every stored child (or those in ``child_ids``), in child order, with their flags."""
    flags = _flags_by_child(conn)
    query = select(snapshots_t).order_by(snapshots_t.c.child_id)
    wanted = set(child_ids) if child_ids is not None else None
    for row in conn.execute(query):
        child_id = int(row.child_id)
        if wanted is not None and child_id not in wanted:
            continue
        profile = row.profile
        yield StoredChild(
            child=restore(child_id, profile),
            flags=flags.get(child_id, []),
            incidents=[
                StoredIncident(dt.date.fromisoformat(day), bool(da)) for day, da in profile["incidents"]
            ],
            computed_at=row.computed_at,
        )
