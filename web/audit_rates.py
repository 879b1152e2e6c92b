"""Domestic abuse before, during and after each plan, as rates: DA incidents (each counted once
however many agencies reported it) per month, so a panel can see whether reports fell during a plan
and rose after it (the audit finding behind ``incidents_rise_after_plan_end``), child by child and
across the cohort (median and quartiles).

The windows before and after a plan are as long as the plan, capped at ``[da_rates]
window_cap_months`` (config/audit_panel.toml); the window after ends at the child's reference date.
A month is a calendar month: 1 January to 1 May is 4 months, 1 to 16 January about half of one.
"""

from __future__ import annotations

import calendar
import datetime as dt
import statistics
from collections.abc import Sequence
from dataclasses import dataclass

from chronology.analysis.cohorts import CohortFilter
from chronology.analysis.pattern_context import add_months
from chronology.display_names import plan_label
from web.audit_charts import CohortChild, cohort_plans, settings

PERIODS = ("before", "during", "after")


@dataclass(frozen=True, slots=True)
class Window:
    """One period around a plan: its dates, the DA incidents in it, and their rate per month."""

    start: dt.date
    end: dt.date
    incidents: int

    @property
    def months(self) -> float:
        return months_between(self.start, self.end)

    @property
    def rate(self) -> float | None:
        return self.incidents / self.months if self.months > 0 else None


@dataclass(frozen=True, slots=True)
class PlanRates:
    person_id: int
    plan: str  # "Child protection plan 2 (Neglect)"
    before: Window
    during: Window
    after: Window | None  # None while the plan is open at the reference date

    def window(self, period: str) -> Window | None:
        return getattr(self, period)


@dataclass(frozen=True, slots=True)
class Spread:
    """The cohort's rates for one period: how many plans, and the quartiles."""

    period: str
    plans: int
    lower: float
    median: float
    upper: float


def months_between(start: dt.date, end: dt.date) -> float:
    """Calendar months from ``start`` to ``end``: whole months, then the rest as a share of a month."""
    if end <= start:
        return 0.0
    whole = (end.year - start.year) * 12 + end.month - start.month
    if add_months(start, whole) > end:
        whole -= 1
    anchor = add_months(start, whole)
    days_in_month = calendar.monthrange(anchor.year, anchor.month)[1]
    return whole + (end - anchor).days / days_in_month


def cap_months() -> int:
    return int(settings()["da_rates"]["window_cap_months"])


def plan_rates(child: CohortChild, cohort: CohortFilter, cap: int | None = None) -> list[PlanRates]:
    """Each of the child's cohort plans with its DA incident rates before, during and after."""
    cap = cap_months() if cap is None else cap
    as_of = child.stored.child.as_of or dt.date.today()
    days = sorted(i.day for i in child.stored.incidents if i.da)
    out = []
    for plan in cohort_plans(child, cohort):
        last = min(plan.end or as_of, as_of)
        length = last - plan.start
        before_start = max(plan.start - length, add_months(plan.start, -cap))
        before = Window(before_start, plan.start, sum(1 for d in days if before_start <= d < plan.start))
        during = Window(plan.start, last, sum(1 for d in days if plan.start <= d <= last))
        after = None
        if plan.end is not None and plan.end < as_of:
            after_end = min(plan.end + length, add_months(plan.end, cap), as_of)
            after = Window(plan.end, after_end, sum(1 for d in days if plan.end < d <= after_end))
        label = plan_label(plan.kind, plan.number, plan.category)
        out.append(PlanRates(child.stored.child.person_id, label, before, during, after))
    return out


def cohort_rates(children: Sequence[CohortChild], cohort: CohortFilter) -> list[PlanRates]:
    return [rates for child in children for rates in plan_rates(child, cohort)]


def spreads(rates: Sequence[PlanRates]) -> list[Spread]:
    """Median and quartiles of each period's rate, over the plans that have that period."""
    out = []
    for period in PERIODS:
        values = sorted(r for p in rates if (w := p.window(period)) and (r := w.rate) is not None)
        if not values:
            continue
        if len(values) == 1:
            lower = upper = values[0]
        else:
            lower, _, upper = statistics.quantiles(values, n=4, method="inclusive")
        out.append(Spread(period, len(values), lower, statistics.median(values), upper))
    return out
