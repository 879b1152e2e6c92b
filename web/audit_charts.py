"""What audit panels count, for a cohort: plan lengths, gaps between plans, incidents before, during
and after plans, and how often each pattern was found. Numbers only; the page draws them as bars and
prints them in a table (web/templates/audit/_chart.html).

Plans counted are the cohort's: the plans that matched when the cohort has plan conditions, else
every plan of the cohort's kind up to the child's reference date (an open plan counts to that date).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from itertools import pairwise

from chronology.analysis.cohorts import CohortFilter, CohortMatch, completed_months
from chronology.analysis.facts import Flag, PlanPeriod
from chronology.analysis.flag_store import StoredChild
from chronology.analysis.pattern_context import add_months
from chronology.settings import load_config


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    value: int


@dataclass(frozen=True, slots=True)
class Chart:
    """One chart: a title, what is counted (for the table's header), and its bars in order."""

    key: str
    title: str
    counted: str
    bars: tuple[Bar, ...]
    note: str = ""

    @property
    def largest(self) -> int:
        return max((bar.value for bar in self.bars), default=0)


@dataclass(frozen=True, slots=True)
class CohortChild:
    stored: StoredChild
    match: CohortMatch
    flags: tuple[Flag, ...]  # the flags the panel asked to see


def settings() -> dict:
    return load_config("audit_panel")


def cohort_plans(child: CohortChild, cohort: CohortFilter) -> list[PlanPeriod]:
    as_of = child.stored.child.as_of or dt.date.today()
    if child.match.plans:
        return sorted((m.plan for m in child.match.plans), key=lambda p: p.start)
    return sorted(
        (p for p in child.stored.child.plans if p.kind == cohort.plan_kind and p.start <= as_of),
        key=lambda p: p.start,
    )


def _band_label(low: int, high: int | None) -> str:
    if high is None:
        return f"{low} months or more"
    if high - low == 1:
        return f"{low} months"
    return f"{low} to {high - 1} months"


def _banded(values: Sequence[int], bands: Sequence[int]) -> tuple[Bar, ...]:
    edges = [*bands, None]
    bars = []
    for low, high in pairwise(edges):
        assert low is not None
        count = sum(1 for v in values if v >= low and (high is None or v < high))
        bars.append(Bar(_band_label(low, high), count))
    return tuple(bars)


def plan_lengths(children: Sequence[CohortChild], cohort: CohortFilter) -> Chart:
    lengths = []
    for child in children:
        as_of = child.stored.child.as_of or dt.date.today()
        for plan in cohort_plans(child, cohort):
            lengths.append(completed_months(plan.start, min(plan.end or as_of, as_of)))
    return Chart(
        "plan-lengths",
        "Plan lengths",
        "Plans",
        _banded(lengths, settings()["charts"]["plan_length_bands_months"]),
        f"Plans counted: {len(lengths)}. A plan still open is counted to the reference date.",
    )


def plan_gaps(children: Sequence[CohortChild], cohort: CohortFilter) -> Chart:
    """Whole months from one plan's end to the child's next plan of the same kind."""
    gaps = []
    for child in children:
        as_of = child.stored.child.as_of or dt.date.today()
        plans = sorted(
            (p for p in child.stored.child.plans if p.kind == cohort.plan_kind and p.start <= as_of),
            key=lambda p: p.start,
        )
        for before, after in pairwise(plans):
            if before.end is not None and before.end <= after.start:
                gaps.append(completed_months(before.end, after.start))
    return Chart(
        "plan-gaps",
        "Gaps between plans",
        "Gaps",
        _banded(gaps, settings()["charts"]["gap_bands_months"]),
        f"Gaps counted: {len(gaps)}, from one plan's end to the same child's next plan of the same kind.",
    )


def incidents_around_plans(children: Sequence[CohortChild], cohort: CohortFilter) -> Chart:
    months = int(settings()["charts"]["window_months"])
    before = during = after = plans_counted = 0
    for child in children:
        as_of = child.stored.child.as_of or dt.date.today()
        days = [incident.day for incident in child.stored.incidents]
        for plan in cohort_plans(child, cohort):
            plans_counted += 1
            last = min(plan.end or as_of, as_of)
            before += sum(1 for d in days if add_months(plan.start, -months) <= d < plan.start)
            during += sum(1 for d in days if plan.start <= d <= last)
            if plan.end is not None and plan.end <= as_of:
                after += sum(1 for d in days if plan.end < d <= min(add_months(plan.end, months), as_of))
    return Chart(
        "incidents",
        "Incidents before, during and after plans",
        "Incidents",
        (
            Bar(f"In the {months} months before", before),
            Bar("During the plan", during),
            Bar(f"In the {months} months after", after),
        ),
        f"Plans counted: {plans_counted}. Each incident is counted once however many agencies reported it.",
    )


def pattern_frequency(children: Sequence[CohortChild], titles: dict[str, str]) -> Chart:
    flags = Counter(flag.pattern for child in children for flag in child.flags)
    bars = tuple(Bar(titles.get(code, code), count) for code, count in flags.most_common())
    kids = sum(1 for child in children if child.flags)
    return Chart(
        "patterns",
        "Patterns by frequency",
        "Flags",
        bars,
        f"Flags: {sum(flags.values())}; children with flags: {kids}.",
    )


def all_charts(children: Sequence[CohortChild], cohort: CohortFilter, titles: dict[str, str]) -> list[Chart]:
    return [
        plan_lengths(children, cohort),
        plan_gaps(children, cohort),
        incidents_around_plans(children, cohort),
        pattern_frequency(children, titles),
    ]
