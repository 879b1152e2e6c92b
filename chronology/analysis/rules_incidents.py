"""The pattern rules about incidents and referrals over time: escalation, repeat MARAC, re-referral,
risk factors together, missed appointments, and incidents nobody responded to.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections.abc import Callable, Sequence
from typing import TypeVar

from chronology.analysis.classify import is_marac_referral, is_missed_appointment, is_referral, is_response
from chronology.analysis.facts import Fact, Flag
from chronology.analysis.incidents import Incident, describe_all, short_agency, victims_of
from chronology.analysis.pattern_context import Context, add_months
from chronology.settings import load_config

T = TypeVar("T")


def runs_within(items: Sequence[T], day: Callable[[T], dt.date], count: int, months: int) -> list[list[T]]:
    """Maximal runs of items where every item is in some window of ``months`` holding ``count`` or more.

    Overlapping windows merge into one run, so a long series gives one flag with all its evidence.
    """
    runs: list[list[T]] = []
    covered_to = -1
    for i in range(len(items)):
        j = i
        while j + 1 < len(items) and day(items[j + 1]) <= add_months(day(items[i]), months):
            j += 1
        if j - i + 1 < count:
            continue
        if runs and i <= covered_to:
            runs[-1].extend(items[covered_to + 1 : j + 1])
        else:
            runs.append(list(items[i : j + 1]))
        covered_to = max(covered_to, j)
    return runs


def da_escalation(ctx: Context) -> list[Flag]:
    rule = ctx.settings.da_escalation
    flags = []
    for run in runs_within(ctx.da_incidents, lambda i: i.day, rule.min_incidents, rule.within_months):
        if run[-1].day <= add_months(run[0].day, rule.within_months):
            head = f"{len(run)} DA incidents in {rule.within_months} months"
        else:
            head = f"{len(run)} DA incidents, {rule.min_incidents} or more within every {rule.within_months} months"
        detail = f"{head}: {describe_all(run)}"
        flags.append(
            ctx.flag("da_escalation", run[0].day, run[-1].day, [e for i in run for e in i.event_ids], detail)
        )
    return flags


def repeat_marac(ctx: Context) -> list[Flag]:
    months = ctx.settings.repeat_marac.within_months
    flags = []
    for referral in (f for f in ctx.facts if is_marac_referral(f)):
        assert referral.day is not None
        victims = victims_of(referral)
        again = [
            i
            for i in ctx.da_incidents
            if referral.day < i.day <= add_months(referral.day, months) and victims & i.victims
        ]
        if not again:
            continue
        names = sorted({p.name for p in referral.persons if p.name and victims & _keys_of(p.name)})
        victim = " and ".join(names) or "the same victim"
        detail = (
            f"MARAC referral {referral.day.isoformat()} for {victim}; DA incident against {victim} again within "
            f"{months} months: {describe_all(again)}"
        )
        events = [referral.id] + [e for i in again for e in i.event_ids]
        flags.append(ctx.flag("repeat_marac", referral.day, again[-1].day, events, detail))
    return flags


def _keys_of(name: str) -> frozenset[str]:
    return frozenset({f"name:{' '.join(name.lower().split())}"})


def re_referral_within_12_months(ctx: Context) -> list[Flag]:
    months = ctx.settings.re_referral_within_12_months.within_months
    by_day: dict[dt.date, list[Fact]] = {}
    for fact in ctx.facts:
        if is_referral(fact) and fact.day is not None:
            by_day.setdefault(fact.day, []).append(fact)
    days = sorted(by_day)
    flags = []
    for earlier, later in itertools.pairwise(days):
        if later <= add_months(earlier, months):
            detail = (
                f"referral {later.isoformat()}, {(later - earlier).days} days after the previous referral "
                f"{earlier.isoformat()} (within {months} months)"
            )
            events = [f.id for f in by_day[earlier] + by_day[later]]
            flags.append(ctx.flag("re_referral_within_12_months", earlier, later, events, detail))
    return flags


def multiple_risk_factors(ctx: Context) -> list[Flag]:
    rule = ctx.settings.multiple_risk_factors
    by_theme = {theme: [f for f in ctx.facts if theme in f.themes] for theme in rule.themes}
    if not all(by_theme.values()):
        return []
    starts = sorted({f.day for facts in by_theme.values() for f in facts if f.day is not None})
    for first in starts:
        last = add_months(first, rule.within_months)
        inside = {
            theme: [f for f in facts if f.day is not None and first <= f.day <= last]
            for theme, facts in by_theme.items()
        }
        if not all(inside.values()):
            continue
        names = load_config("vocabulary").get("themes", {})
        evidence = [f for facts in inside.values() for f in facts]
        parts = [
            f"{names.get(theme, theme).lower()} {facts[0].day.isoformat() if facts[0].day else ''} "
            f"({short_agency(facts[0].top_agency)})"
            for theme, facts in inside.items()
        ]
        to = max(facts[0].day for facts in inside.values() if facts[0].day is not None)
        detail = (
            f"all evidenced within {rule.within_months} months: {'; '.join(parts)}. Cumulative harm, not a prediction. "
            f"{ctx.settings.info['multiple_risk_factors'].caveat}"
        ).strip()
        return [ctx.flag("multiple_risk_factors", first, to, [f.id for f in evidence], detail)]
    return []


def was_not_brought(ctx: Context) -> list[Flag]:
    rule = ctx.settings.was_not_brought
    missed = [f for f in ctx.facts if is_missed_appointment(f, ctx.settings.words)]
    flags = []
    for run in runs_within(missed, lambda f: f.day or dt.date.min, rule.min_missed, rule.within_months):
        listed = ", ".join(f"{f.day.isoformat() if f.day else ''} ({_short(f.summary)})" for f in run)
        detail = f"{len(run)} missed health appointments, {rule.min_missed} or more within {rule.within_months} months: {listed}"
        first, last = run[0].day, run[-1].day
        assert first is not None and last is not None
        flags.append(ctx.flag("was_not_brought", first, last, [f.id for f in run], detail))
    return flags


def _short(text: str, limit: int = 60) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def incidents_in_isolation(ctx: Context) -> list[Flag]:
    rule = ctx.settings.incidents_in_isolation
    plans = [(p.start, ctx.last_day(p)) for kind in rule.plan_kinds for p in ctx.plans_by_kind.get(kind, [])]
    free = [i for i in ctx.incidents if not any(start <= i.day <= end for start, end in plans)]
    responses = [f.day for f in ctx.facts if f.day is not None and is_response(f, ctx.settings.words)]

    def unanswered(group: Sequence[Incident]) -> bool:
        end = group[-1].day + dt.timedelta(days=rule.response_days)
        return not any(group[0].day <= day <= end for day in responses)

    def qualifies(group: Sequence[Incident]) -> bool:
        agencies = frozenset().union(*(i.agencies for i in group))
        return len(group) >= rule.min_incidents and len(agencies) >= rule.min_agencies and unanswered(group)

    flags = []
    i = 0
    while i < len(free):
        window_end = add_months(free[i].day, rule.within_months)
        found = None
        for j in range(i + rule.min_incidents - 1, len(free)):
            if free[j].day > window_end:
                break
            if qualifies(free[i : j + 1]):
                found = j
                break
        if found is None:
            i += 1
            continue
        while found + 1 < len(free) and free[found + 1].day <= window_end and qualifies(free[i : found + 2]):
            found += 1
        group = free[i : found + 1]
        agencies = sorted({short_agency(a) for g in group for a in g.agencies})
        answer_by = group[-1].day + dt.timedelta(days=rule.response_days)
        detail = (
            f"{len(group)} incidents from {', '.join(agencies)} within {rule.within_months} months, on no plan, "
            f"and no social care response by {answer_by.isoformat()}: {describe_all(group)}"
        )
        flags.append(
            ctx.flag(
                "incidents_in_isolation",
                group[0].day,
                group[-1].day,
                [e for g in group for e in g.event_ids],
                detail,
            )
        )
        i = found + 1
    return flags
