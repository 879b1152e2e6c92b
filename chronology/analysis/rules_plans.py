"""The pattern rules about plans: repeats and gaps, what happened around a plan's end, and who was
seen or heard during it. Each rule reads a ``Context`` and returns its flags.
"""

from __future__ import annotations

import datetime as dt
import itertools
from collections import Counter
from dataclasses import dataclass

from chronology.analysis.classify import is_father_relationship, is_high_dash, records_child_voice
from chronology.analysis.facts import SOCIAL_CARE, Fact, Flag, Involved, PlanPeriod
from chronology.analysis.incidents import describe_all, person_keys, short_agency
from chronology.analysis.pattern_context import Context, add_months, months_between, plan_events, plan_words


def _repeats(ctx: Context) -> list[tuple[PlanPeriod, PlanPeriod]]:
    """Consecutive plans where the later one started after the earlier one had ended."""
    return [
        (earlier, later)
        for earlier, later in itertools.pairwise(ctx.plans)
        if earlier.end is not None and later.start > earlier.end
    ]


def _gap_words(earlier: PlanPeriod, later: PlanPeriod) -> str:
    assert earlier.end is not None
    gap = (later.start - earlier.end).days
    months = months_between(earlier.end, later.start)
    return (
        f"plan {later.number} started {later.start.isoformat()}, {gap} days ({months} months) after "
        f"plan {earlier.number} ended {earlier.end.isoformat()}"
    )


def repeat_cp_plan(ctx: Context) -> list[Flag]:
    flags = []
    for earlier, later in _repeats(ctx):
        assert earlier.end is not None
        flags.append(
            ctx.flag(
                "repeat_cp_plan",
                earlier.end,
                later.start,
                (earlier.end_event_id, later.start_event_id),
                _gap_words(earlier, later),
            )
        )
    # the census may know of plans before our data: flag a plan it says repeats, unless flagged above
    repeated = {later for _, later in _repeats(ctx)}
    for known_before, plan in enumerate(ctx.plans):
        if plan in repeated or (plan.previous_reported or 0) <= known_before:
            continue
        flags.append(
            ctx.flag(
                "repeat_cp_plan",
                plan.start,
                plan.start,
                (plan.start_event_id,),
                f"plan started {plan.start.isoformat()}; the CIN census records {plan.previous_reported} previous "
                f"plan(s) (NumberOfPreviousCPP), {known_before} of them in the imported data",
            )
        )
    return flags


def _repeat_within(ctx: Context, code: str, months: int) -> list[Flag]:
    flags = []
    for earlier, later in _repeats(ctx):
        assert earlier.end is not None
        if later.start <= add_months(earlier.end, months):
            detail = f"{_gap_words(earlier, later)}: within {months} months"
            flags.append(
                ctx.flag(code, earlier.end, later.start, (earlier.end_event_id, later.start_event_id), detail)
            )
    return flags


def repeat_cp_plan_within_2_years(ctx: Context) -> list[Flag]:
    code = "repeat_cp_plan_within_2_years"
    return _repeat_within(ctx, code, ctx.settings.repeat_cp_plan_within_2_years.within_months)


def short_gap_between_plans(ctx: Context) -> list[Flag]:
    return _repeat_within(ctx, "short_gap_between_plans", ctx.settings.short_gap_between_plans.within_months)


def incidents_rise_after_plan_end(ctx: Context) -> list[Flag]:
    rule = ctx.settings.incidents_rise_after_plan_end
    flags = []
    for plan in ctx.plans:
        if plan.end is None:  # an open plan has not ended: nothing can rise after its end
            continue
        end = plan.end
        after = [i for i in ctx.da_incidents if end < i.day <= add_months(end, rule.window_months)]
        before = [
            i
            for i in ctx.da_incidents
            if max(plan.start, add_months(end, -rule.window_months)) <= i.day <= end
        ]
        if len(after) >= rule.min_after and len(after) > len(before):
            detail = (
                f"{plan_words(plan, end)} ended; {len(after)} DA incidents in the {rule.window_months} months after "
                f"({describe_all(after)}), {len(before)} in its last {rule.window_months} months"
                + (f" ({describe_all(before)})" if before else "")
            )
            events = [plan.end_event_id] + [e for i in before + after for e in i.event_ids]
            flags.append(ctx.flag("incidents_rise_after_plan_end", end, after[-1].day, events, detail))
    return flags


def plan_closed_despite_recent_incidents(ctx: Context) -> list[Flag]:
    days = ctx.settings.plan_closed_despite_recent_incidents.within_days
    flags = []
    for plan in ctx.plans:
        if plan.end is None:  # still open: it has not been closed
            continue
        end = plan.end
        incidents = [i for i in ctx.da_incidents if 0 <= (end - i.day).days <= days]
        dash = [
            f
            for f in ctx.facts
            if f.day is not None and 0 <= (end - f.day).days <= days and is_high_dash(f, ctx.settings.words)
        ]
        if not incidents and not dash:
            continue
        reasons = [f"DA incident {i.describe()} ({(end - i.day).days} days before)" for i in incidents]
        reasons += [
            f"high DASH risk {f.day.isoformat()} {short_agency(f.top_agency)} ({(end - f.day).days} days before)"
            for f in dash
            if f.day is not None
        ]
        first = min([i.day for i in incidents] + [f.day for f in dash if f.day is not None])
        events = [e for i in incidents for e in i.event_ids] + [f.id for f in dash] + [plan.end_event_id]
        detail = f"{plan_words(plan, end)} ended within {days} days of: " + "; ".join(reasons)
        flags.append(ctx.flag("plan_closed_despite_recent_incidents", first, end, events, detail))
    return flags


@dataclass(frozen=True, slots=True)
class Father:
    """A man the rule looks for: his keys (person ids, name), name and relationship, and where known."""

    keys: frozenset[str]
    name: str
    relationship: str
    known_from: str
    event_id: int | None


def known_fathers(ctx: Context) -> list[Father]:
    """Fathers, step-fathers and mothers' partners known from the family records or any event."""
    words = ctx.settings.words
    fathers: list[Father] = []
    for person in ctx.child.family:
        if is_father_relationship(person.relationship, words):
            keys = {f"id:{pid}" for pid in person.person_ids} | {
                f"name:{' '.join(person.name.lower().split())}"
            }
            fathers.append(
                Father(frozenset(keys), person.name, person.relationship, "the family records", None)
            )
    for fact in ctx.facts:
        for person in fact.persons:
            relationship = person.relationship or person.role
            if not is_father_relationship(relationship, words) or not (person.name or person.person_id):
                continue
            keys = person_keys(person)
            if any(keys & father.keys for father in fathers):
                continue
            assert fact.day is not None and relationship is not None
            where = f"{short_agency(fact.top_agency)} record {fact.day.isoformat()}"
            name = person.name or f"person {person.person_id}"
            fathers.append(Father(frozenset(keys), name, relationship, where, fact.id))
    return fathers


def _involves(fact: Fact, father: Father, fathers: list[Father]) -> bool:
    for person in fact.persons:
        if person_keys(person) & father.keys:
            return True
        if _unnamed(person) and (person.relationship or person.role) == father.relationship:
            # "father" with no name: him if he is the only one in that relationship
            return sum(1 for f in fathers if f.relationship == father.relationship) == 1
    return False


def _unnamed(person: Involved) -> bool:
    return person.person_id is None and not (person.name and person.name.strip())


def father_not_in_plan(ctx: Context) -> list[Flag]:
    fathers = known_fathers(ctx)
    flags = []
    for plan in ctx.plans:
        last = ctx.last_day(plan)
        social_care = [f for f in ctx.between(plan.start, last) if f.top_agency == SOCIAL_CARE]
        for father in fathers:
            if any(_involves(f, father, fathers) for f in social_care):
                continue
            detail = (
                f"{father.name} ({father.relationship}), known from {father.known_from}, is on none of the "
                f"{len(social_care)} children's social care events during {plan_words(plan, last)}"
            )
            flags.append(
                ctx.flag(
                    "father_not_in_plan", plan.start, last, (*plan_events(plan), father.event_id), detail
                )
            )
    return flags


def child_voice_not_recorded(ctx: Context) -> list[Flag]:
    months = ctx.settings.child_voice_not_recorded.last_months
    voiced = [f for f in ctx.facts if records_child_voice(f, ctx.settings.words)]
    flags = []
    for plan in ctx.plans:
        last = ctx.last_day(plan)
        first = max(plan.start, add_months(last, -months))
        if any(first <= f.day <= last for f in voiced if f.day is not None):
            continue
        during = [f for f in voiced if f.day is not None and plan.start <= f.day <= last]
        if during:
            latest = during[-1]
            assert latest.day is not None
            detail = (
                f"no record of the child's views or of the child seen alone in the last {months} months of "
                f"{plan_words(plan, last)}, from {first.isoformat()}; the last was {latest.day.isoformat()} "
                f"({short_agency(latest.top_agency)})"
            )
            events: tuple[int | None, ...] = (*plan_events(plan), latest.id)
        else:
            detail = (
                f"no record of the child's views or of the child seen alone during {plan_words(plan, last)}"
            )
            events = plan_events(plan)
        flags.append(ctx.flag("child_voice_not_recorded", plan.start, last, events, detail))
    return flags


def _covers(ctx: Context, agency: str, first: dt.date, last: dt.date) -> bool:
    """Whether the agency's data covers the plan; an agency whose coverage is unknown is assumed to."""
    span = ctx.child.coverage.get(agency)
    return span is None or (span[0] <= first and span[1] >= last)


def agency_silent_during_plan(ctx: Context) -> list[Flag]:
    rule = ctx.settings.agency_silent_during_plan
    flags = []
    for plan in ctx.plans:
        last = ctx.last_day(plan)
        if last < add_months(plan.start, rule.min_plan_months):
            continue
        before = [
            f
            for f in ctx.facts
            if f.day is not None and add_months(plan.start, -rule.before_months) <= f.day < plan.start
        ]
        counts = Counter(f.top_agency for f in before)
        during = {f.top_agency for f in ctx.between(plan.start, last)}
        for agency, count in sorted(counts.items()):
            if agency == SOCIAL_CARE or count < rule.min_events_before or agency in during:
                continue
            if not _covers(ctx, agency, plan.start, last):
                continue
            theirs = [f for f in before if f.top_agency == agency]
            dates = ", ".join(f.day.isoformat() for f in theirs if f.day is not None)
            detail = (
                f"{agency}: {count} events in the {rule.before_months} months before {plan_words(plan, last)} "
                f"({dates}), none during it"
            )
            first_day = theirs[0].day or plan.start
            flags.append(
                ctx.flag(
                    "agency_silent_during_plan",
                    first_day,
                    last,
                    [f.id for f in theirs] + [plan.start_event_id],
                    detail,
                )
            )
    return flags
