"""Which plan a child is on now, read simply from plan start and end events.

Deliberately small and separate: a fuller reading of plan periods (chronology/analysis/plans.py)
can replace ``current_plans`` without touching the pages that show its answer.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from sqlalchemy import Connection, select

from chronology.db.models import Event

events_t = Event.__table__

PLAN_EVENTS = {
    "cp_plan_start": ("child protection plan", "start"),
    "cp_plan_end": ("child protection plan", "end"),
    "cin_plan_start": ("child in need plan", "start"),
    "cin_plan_end": ("child in need plan", "end"),
}
PRECEDENCE = ("child protection plan", "child in need plan")  # the first open one is shown


@dataclass(frozen=True, slots=True)
class CurrentPlan:
    kind: str  # "child protection plan" | "child in need plan"
    since: dt.date


def current_plans(conn: Connection, groups: dict[int, list[int]]) -> dict[int, CurrentPlan | None]:
    """For each child (root id -> its source person ids), the plan open now, if any.

    A plan is open when its latest start has no end on or after that start.
    """
    owner = {member: root for root, members in groups.items() for member in members}
    dates: dict[tuple[int, str, str], list[dt.date]] = defaultdict(list)
    if owner:
        rows = conn.execute(
            select(events_t.c.subject_id, events_t.c.event_type, events_t.c.date).where(
                events_t.c.subject_id.in_(list(owner)),
                events_t.c.event_type.in_(list(PLAN_EVENTS)),
                events_t.c.date.is_not(None),
            )
        )
        for subject_id, event_type, date in rows:
            kind, edge = PLAN_EVENTS[event_type]
            dates[(owner[subject_id], kind, edge)].append(date)
    result: dict[int, CurrentPlan | None] = {}
    for root in groups:
        result[root] = None
        for kind in PRECEDENCE:
            starts = dates.get((root, kind, "start"))
            if not starts:
                continue
            latest = max(starts)
            if not any(end >= latest for end in dates.get((root, kind, "end"), [])):
                result[root] = CurrentPlan(kind, latest)
                break
    return result
