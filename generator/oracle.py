"""Reference reading of the audit pattern rules, used only to make the generator's ground truth exact.

This is not the product's audit logic (that lives in ``chronology``). It reads the generator's own
category conventions literally, with the default thresholds of ``patterns-and-exports.md``, so the
ground truth can say which patterns a child's records show, and the tests can check, from the
written rows, that the data says what the ground truth claims. Rules, as read here:

- Incident: a police row whose first category is ``Police occurrence``; an education row
  ``Operation Encompass`` or ``Safeguarding concern`` in a serious category; a health
  ``A&E attendance`` with ``Injury``. Reports of one incident form one cluster: rows quoting the
  same police reference, or incidents within one day of each other (separate incidents are always
  a week or more apart in generated data). DA: a cluster with a domestic-abuse category.
- Responses: Referral, Assessment, Section 47, initial or review child protection conference.
- Plans: ``CP plan start``/``CP plan end`` rows paired in order; an open plan runs to ``as_of``.
- Child's voice: a row with the child's words, or category ``Child seen alone``.
- Fathers: persons whose first role is father, step-father or mother's partner, anywhere.
- Risk evidence (multiple_risk_factors): any row with a category naming the theme.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from generator.model import FATHER_ROLES, WorldEvent
from generator.timeline import add_months

CODES = (
    "repeat_cp_plan",
    "repeat_cp_plan_within_2_years",
    "short_gap_between_plans",
    "incidents_rise_after_plan_end",
    "plan_closed_despite_recent_incidents",
    "da_escalation",
    "repeat_marac",
    "re_referral_within_12_months",
    "father_not_in_plan",
    "child_voice_not_recorded",
    "agency_silent_during_plan",
    "multiple_risk_factors",
    "was_not_brought",
    "incidents_in_isolation",
)
SERIOUS_SCHOOL = frozenset({"Domestic abuse", "Disclosure", "Physical injury", "Neglect", "Self-harm"})
RESPONSES = frozenset(
    {
        "Referral",
        "Assessment",
        "Section 47",
        "Initial child protection conference",
        "Review child protection conference",
    }
)
SOCIAL_CARE = "Children's Social Care"
SEEN_ALONE = "Child seen alone"


@dataclass(frozen=True, slots=True)
class Fact:
    """The little of one record the rules read."""

    day: dt.date
    agency: str
    labels: tuple[str, ...]
    persons: tuple[tuple[str, tuple[str, ...]], ...] = ()
    voice: bool = False
    reference: str | None = None

    @property
    def kind(self) -> str:
        return self.labels[0] if self.labels else ""

    def names_with(self, role: str) -> set[str]:
        return {name for name, roles in self.persons if role in roles}


def fact_from_event(event: WorldEvent) -> Fact:
    """The event as a reader of the files sees it (a month-precision date reads as the 1st)."""
    return Fact(
        day=event.day.replace(day=1) if event.precision == "month" else event.day,
        agency=event.agency,
        labels=event.labels,
        persons=tuple((m.name, m.roles) for m in event.persons),
        voice=bool(event.voice) or SEEN_ALONE in event.labels,
        reference=event.reference,
    )


def _has(labels: Iterable[str], *words: str) -> bool:
    return any(word in label.lower() for label in labels for word in words)


def is_incident(fact: Fact) -> bool:
    if fact.agency == "Police":
        return fact.kind == "Police occurrence"
    if fact.agency == "Education":
        return fact.kind == "Operation Encompass" or (
            fact.kind == "Safeguarding concern" and bool(SERIOUS_SCHOOL.intersection(fact.labels))
        )
    if fact.agency == "Health":
        return fact.kind == "A&E attendance" and "Injury" in fact.labels
    return False


@dataclass(slots=True)
class Cluster:
    day: dt.date
    facts: list[Fact] = field(default_factory=list)

    @property
    def agencies(self) -> set[str]:
        return {f.agency for f in self.facts}

    @property
    def da(self) -> bool:
        return any(_has(f.labels, "domestic", "operation encompass") for f in self.facts)

    @property
    def victims(self) -> set[str]:
        return {name for f in self.facts if f.agency == "Police" for name in f.names_with("victim")}


def clusters(facts: Sequence[Fact]) -> list[Cluster]:
    found: list[Cluster] = []
    by_ref: dict[str, Cluster] = {}
    for fact in sorted((f for f in facts if is_incident(f)), key=lambda f: f.day):
        target = by_ref.get(fact.reference) if fact.reference else None
        if target is None:
            target = next(
                (
                    c
                    for c in found
                    if abs((fact.day - c.day).days) <= 1
                    and not (
                        fact.reference and any(f.reference and f.reference != fact.reference for f in c.facts)
                    )
                ),
                None,
            )
        if target is None:
            target = Cluster(fact.day)
            found.append(target)
        target.facts.append(fact)
        if fact.reference:
            by_ref[fact.reference] = target
    return found


def plans(facts: Sequence[Fact], start_kind: str, end_kind: str) -> list[tuple[dt.date, dt.date | None]]:
    starts = sorted(f.day for f in facts if f.kind == start_kind)
    ends = sorted(f.day for f in facts if f.kind == end_kind)
    paired: list[tuple[dt.date, dt.date | None]] = []
    for start in starts:
        end = next((e for e in ends if e >= start), None)
        if end is not None:
            ends.remove(end)
        paired.append((start, end))
    return paired


def _span(day: dt.date) -> str:
    return day.isoformat()


class Evaluation:
    """Every pattern code that fires for one child's facts, with the dates that made it fire."""

    def __init__(self, facts: Sequence[Fact], as_of: dt.date) -> None:
        self.facts = sorted(facts, key=lambda f: f.day)
        self.as_of = as_of
        self.clusters = clusters(self.facts)
        self.da = [c for c in self.clusters if c.da]
        self.cp = plans(self.facts, "CP plan start", "CP plan end")
        self.cin = plans(self.facts, "CIN plan start", "CIN plan end")
        self.found: dict[str, list[dict[str, str]]] = {}
        for code in CODES:
            getattr(self, code)()

    def fire(self, code: str, start: dt.date, end: dt.date, detail: str) -> None:
        self.found.setdefault(code, []).append({"from": _span(start), "to": _span(end), "detail": detail})

    def _ended_pairs(self) -> list[tuple[tuple[dt.date, dt.date | None], tuple[dt.date, dt.date | None]]]:
        return [
            (a, b) for a, b in zip(self.cp, self.cp[1:], strict=False) if a[1] is not None and b[0] > a[1]
        ]

    def repeat_cp_plan(self) -> None:
        for (_, end), (start, _) in self._ended_pairs():
            assert end is not None
            self.fire("repeat_cp_plan", end, start, "new plan after an earlier plan ended")

    def repeat_cp_plan_within_2_years(self) -> None:
        for (_, end), (start, _) in self._ended_pairs():
            assert end is not None
            if start <= add_months(end, 24):
                self.fire(
                    "repeat_cp_plan_within_2_years", end, start, f"{(start - end).days} days between plans"
                )

    def short_gap_between_plans(self) -> None:
        for (_, end), (start, _) in self._ended_pairs():
            assert end is not None
            if start <= add_months(end, 3):
                self.fire("short_gap_between_plans", end, start, f"{(start - end).days} days between plans")

    def incidents_rise_after_plan_end(self) -> None:
        for start, end in self.cp:
            if end is None:
                continue
            after = [c for c in self.da if end < c.day <= add_months(end, 6)]
            before = [c for c in self.da if max(start, add_months(end, -6)) <= c.day <= end]
            if len(after) >= 2 and len(after) > len(before):
                self.fire(
                    "incidents_rise_after_plan_end",
                    end,
                    after[-1].day,
                    f"{len(after)} DA incidents in 6 months after, {len(before)} in the plan's last 6 months",
                )

    def plan_closed_despite_recent_incidents(self) -> None:
        for _, end in self.cp:
            if end is None:
                continue
            recent = [c.day for c in self.da if 0 <= (end - c.day).days <= 90]
            recent += [
                f.day for f in self.facts if _has(f.labels, "dash: high") and 0 <= (end - f.day).days <= 90
            ]
            if recent:
                self.fire(
                    "plan_closed_despite_recent_incidents", min(recent), end, "DA or high DASH within 90 days"
                )

    def da_escalation(self) -> None:
        days = [c.day for c in self.da]
        for i in range(len(days) - 2):
            if days[i + 2] <= add_months(days[i], 12):
                self.fire("da_escalation", days[i], days[i + 2], "3 DA incidents within 12 months")

    def repeat_marac(self) -> None:
        for fact in self.facts:
            if fact.kind != "MARAC referral":
                continue
            victims = fact.names_with("victim")
            for c in self.da:
                if fact.day < c.day <= add_months(fact.day, 12) and victims & c.victims:
                    self.fire(
                        "repeat_marac", fact.day, c.day, "DA against the same victim after MARAC referral"
                    )

    def re_referral_within_12_months(self) -> None:
        days = [f.day for f in self.facts if f.agency == SOCIAL_CARE and f.kind == "Referral"]
        for a, b in itertools.pairwise(days):
            if b <= add_months(a, 12):
                self.fire(
                    "re_referral_within_12_months", a, b, "referral within 12 months of the previous one"
                )

    def father_not_in_plan(self) -> None:
        fathers = {
            (name, roles[0])
            for f in self.facts
            for name, roles in f.persons
            if roles and roles[0] in FATHER_ROLES
        }
        for start, end in self.cp:
            last = end or self.as_of
            involved = {
                name
                for f in self.facts
                if f.agency == SOCIAL_CARE and start <= f.day <= last
                for name, _ in f.persons
            }
            for name, role in sorted(fathers):
                if name not in involved:
                    self.fire("father_not_in_plan", start, last, f"{name} ({role})")

    def child_voice_not_recorded(self) -> None:
        voiced = [f.day for f in self.facts if f.voice]
        for start, end in self.cp:
            last = end or self.as_of
            first = max(start, add_months(last, -6))
            if not any(first <= day <= last for day in voiced):
                self.fire(
                    "child_voice_not_recorded",
                    start,
                    last,
                    "no child's voice or seen alone in the last 6 months",
                )

    def agency_silent_during_plan(self) -> None:
        for start, end in self.cp:
            last = end or self.as_of
            if last < add_months(start, 6):
                continue
            before: dict[str, int] = {}
            during: set[str] = set()
            for f in self.facts:
                if add_months(start, -12) <= f.day < start:
                    before[f.agency] = before.get(f.agency, 0) + 1
                elif start <= f.day <= last:
                    during.add(f.agency)
            for agency, count in sorted(before.items()):
                if count >= 2 and agency not in during:
                    self.fire(
                        "agency_silent_during_plan",
                        start,
                        last,
                        f"{agency}: {count} events before, none during",
                    )

    def multiple_risk_factors(self) -> None:
        kinds = (
            sorted(f.day for f in self.facts if _has(f.labels, "domestic", "marac", "operation encompass")),
            sorted(f.day for f in self.facts if _has(f.labels, "mental health", "postnatal depression")),
            sorted(f.day for f in self.facts if _has(f.labels, "substance misuse", "alcohol", "drug")),
        )
        if not all(kinds):
            return
        for first in sorted(set(kinds[0] + kinds[1] + kinds[2])):
            last = add_months(first, 12)
            if all(bisect.bisect_right(days, last) > bisect.bisect_left(days, first) for days in kinds):
                self.fire(
                    "multiple_risk_factors", first, last, "DA, parental mental health and substance misuse"
                )
                return

    def was_not_brought(self) -> None:
        days = [f.day for f in self.facts if f.kind == "Was not brought"]
        for a, b in itertools.pairwise(days):
            if b <= add_months(a, 12):
                self.fire("was_not_brought", a, b, "2 missed appointments within 12 months")

    def incidents_in_isolation(self) -> None:
        on_plan = [(s, e or self.as_of) for s, e in self.cp + self.cin]
        free = [c for c in self.clusters if not any(s <= c.day <= e for s, e in on_plan)]
        responses = [f.day for f in self.facts if f.agency == SOCIAL_CARE and f.kind in RESPONSES]
        for i in range(len(free)):
            for j in range(i + 2, len(free)):
                if free[j].day > add_months(free[i].day, 6):
                    break
                group = free[i : j + 1]
                agencies = set().union(*(c.agencies for c in group))
                end = free[j].day + dt.timedelta(days=30)
                if len(agencies) >= 2 and not any(free[i].day <= d <= end for d in responses):
                    self.fire(
                        "incidents_in_isolation",
                        free[i].day,
                        free[j].day,
                        f"{len(group)} incidents from {', '.join(sorted(agencies))} with no response",
                    )
                    return


def evaluate(facts: Sequence[Fact], as_of: dt.date) -> Evaluation:
    return Evaluation(facts, as_of)
