"""What every pattern rule reads, worked out once per child: facts up to the audit date, incidents by
cluster, plans as at the audit date, and the helpers for windows and evidence.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from chronology.analysis.facts import ChildFacts, Fact, Flag, PlanPeriod
from chronology.analysis.incidents import Incident, group_incidents
from chronology.analysis.pattern_settings import PatternSettings


def add_months(day: dt.date, months: int) -> dt.date:
    """The same day ``months`` later (or earlier), clamped to the month's last day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def reference_date(child: ChildFacts) -> dt.date | None:
    """The audit's reference date: ``as_of``, else the latest date the child's data covers."""
    if child.as_of is not None:
        return child.as_of
    days = [f.day for f in child.facts if f.day is not None]
    days += [span[1] for span in child.coverage.values()]
    days += [p.end or p.start for p in child.plans]
    return max(days, default=None)


def as_at(plan: PlanPeriod, as_of: dt.date) -> PlanPeriod:
    """The plan as the audit sees it on ``as_of``: an end after that date has not happened yet."""
    if plan.end is not None and plan.end > as_of:
        return replace(plan, end=None, end_event_id=None)
    return plan


@dataclass(slots=True)
class Context:
    """One child's facts prepared for the rules; built by ``Context.build``."""

    child: ChildFacts
    settings: PatternSettings
    as_of: dt.date
    facts: list[Fact]  # dated, on or before as_of, oldest first
    incidents: list[Incident]
    plans_by_kind: dict[str, list[PlanPeriod]] = field(default_factory=dict)

    @classmethod
    def build(cls, child: ChildFacts, settings: PatternSettings) -> Context | None:
        as_of = reference_date(child)
        if as_of is None:
            return None
        facts = sorted(
            (f for f in child.facts if f.day is not None and f.day <= as_of), key=lambda f: (f.day, f.id)
        )
        plans: dict[str, list[PlanPeriod]] = {}
        for plan in sorted(child.plans, key=lambda p: p.start):
            if plan.start <= as_of:
                plans.setdefault(plan.kind, []).append(as_at(plan, as_of))
        incidents = group_incidents(facts, child.clusters, settings.words)
        return cls(child, settings, as_of, facts, incidents, plans)

    @property
    def plans(self) -> list[PlanPeriod]:
        """Plans of the kind the rules mean by "plan" (child protection by default)."""
        return self.plans_by_kind.get(self.settings.words.plan_kind, [])

    @property
    def da_incidents(self) -> list[Incident]:
        return [incident for incident in self.incidents if incident.da]

    def last_day(self, plan: PlanPeriod) -> dt.date:
        """A plan's end, or the audit date for a plan still open."""
        return plan.end or self.as_of

    def between(self, first: dt.date, last: dt.date) -> list[Fact]:
        return [f for f in self.facts if f.day is not None and first <= f.day <= last]

    def flag(
        self, code: str, first: dt.date, last: dt.date, events: Iterable[int | None], detail: str
    ) -> Flag:
        ids = tuple(dict.fromkeys(e for e in events if e is not None))
        return Flag(self.child.person_id, code, first, last, ids, detail)


def plan_events(plan: PlanPeriod) -> tuple[int | None, int | None]:
    return plan.start_event_id, plan.end_event_id


def plan_words(plan: PlanPeriod, last: dt.date) -> str:
    """E.g. "plan 2 (2019-03-19 to 2020-07-08)" or "plan 1 (2022-11-09, open on 2025-03-31)"."""
    if plan.end is None:
        return f"plan {plan.number} ({plan.start.isoformat()}, open on {last.isoformat()})"
    return f"plan {plan.number} ({plan.start.isoformat()} to {plan.end.isoformat()})"


def months_between(first: dt.date, last: dt.date) -> int:
    """Whole calendar months from ``first`` to ``last`` (the same rule as ``add_months``)."""
    months = (last.year - first.year) * 12 + last.month - first.month
    while months > 0 and add_months(first, months) > last:
        months -= 1
    return months
