"""Plans as periods: child protection plans, child in need plans and periods of care, from events.

Several sources report one plan: the CIN census (``<LAchildID>/CPPstartDate/<date>``, with
``CPPendDate``, ``NumberOfPreviousCPP`` and ``InitialCategoryOfAbuse`` among its attributes), the
Ofsted Annex A workbook (a start row carrying its end date) and template rows. Starts on the same
day are one plan; each plan ends at the end its own record gives, else at the first end reported
between its start and the next plan's start. A plan with no end is open (``end`` None).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from chronology.analysis.facts import ChildFacts, Fact, PlanPeriod

# kind -> (start event type, end event type, attributes that may hold the end date, category attributes)
KINDS: dict[str, tuple[str, str, tuple[str, ...], tuple[str, ...]]] = {
    "cp": ("cp_plan_start", "cp_plan_end", ("CPPendDate",), ("InitialCategoryOfAbuse",)),
    "cin": ("cin_plan_start", "cin_plan_end", ("CINPlanEndDate",), ()),
    "looked_after": ("looked_after_start", "looked_after_end", (), ()),  # DEC may end an episode, not care
}
PREVIOUS_PLANS_ATTRIBUTE = "NumberOfPreviousCPP"


@dataclass(slots=True)
class _Start:
    day: dt.date
    facts: list[Fact]


def derive_plans(child: ChildFacts) -> list[PlanPeriod]:
    """Every plan of every kind, numbered per kind in date order (1 = the first in our data)."""
    plans: list[PlanPeriod] = []
    for kind in KINDS:
        plans += plans_of_kind(child.facts, kind)
    return sorted(plans, key=lambda p: (p.start, list(KINDS).index(p.kind)))


def plans_of_kind(facts: Sequence[Fact], kind: str) -> list[PlanPeriod]:
    start_type, end_type, end_attributes, category_attributes = KINDS[kind]
    by_day: dict[dt.date, _Start] = {}
    for fact in facts:
        if fact.event_type == start_type and fact.day is not None:
            by_day.setdefault(fact.day, _Start(fact.day, [])).facts.append(fact)
    starts = [by_day[day] for day in sorted(by_day)]
    ends: dict[dt.date, Fact] = {}
    for fact in sorted(
        (f for f in facts if f.event_type == end_type and f.day is not None), key=lambda f: f.id
    ):
        assert fact.day is not None
        ends.setdefault(fact.day, fact)
    end_days = sorted(ends)
    periods: list[PlanPeriod] = []
    for number, start in enumerate(starts, 1):
        following = starts[number].day if number < len(starts) else None
        end = _stated_end(start.facts, end_attributes)
        if end is None:
            end = next(
                (d for d in end_days if d >= start.day and (following is None or d <= following)), None
            )
        end_fact = ends.get(end) if end is not None else None
        first = min(start.facts, key=lambda f: f.id)
        periods.append(
            PlanPeriod(
                kind=kind,
                start=start.day,
                end=end,
                number=number,
                category=_category(start.facts, category_attributes),
                previous_reported=_previous(start.facts) if kind == "cp" else None,
                start_event_id=first.id,
                end_event_id=end_fact.id if end_fact is not None else None,
            )
        )
    return periods


def _stated_end(facts: list[Fact], attributes: tuple[str, ...]) -> dt.date | None:
    """The end a start record itself gives: its own end date, or an end-date attribute (census)."""
    for fact in facts:
        if fact.end is not None and fact.day is not None and fact.end >= fact.day:
            return fact.end
        for name in attributes:
            day = _iso_day(fact.attributes.get(name))
            if day is not None and fact.day is not None and day >= fact.day:
                return day
    return None


def _iso_day(value: object) -> dt.date | None:
    if not isinstance(value, str) or not value.strip():
        return None
    try:
        return dt.date.fromisoformat(value.strip()[:10])
    except ValueError:
        return None


def _category(facts: list[Fact], attributes: tuple[str, ...]) -> str | None:
    for fact in sorted(facts, key=lambda f: f.id):
        for name in attributes:
            if fact.attributes.get(name):
                return str(fact.attributes[name])
    for fact in sorted(facts, key=lambda f: f.id):
        if fact.categories:
            return fact.categories[0]
    return None


def _previous(facts: list[Fact]) -> int | None:
    for fact in facts:
        value = str(fact.attributes.get(PREVIOUS_PLANS_ATTRIBUTE, "")).strip()
        if value.isdigit() and value.isascii():
            return int(value)
    return None
