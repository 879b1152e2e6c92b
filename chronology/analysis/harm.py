"""The cumulative-harm index of one child over time, so harm that builds up slowly is seen.

Audits keep finding that each incident was judged on its own and the build-up was missed. The index
adds up adverse events (weighted by type, DASH risk and risk theme, fading with time), adds points
for several risk themes active at once, and takes points off for strengths and turning points. All
weights live in ``config/harm.toml``; the README explains them in plain words. A pure function of a
``ChildFacts``, so a chart, the API and a cohort export all get the same numbers.
"""

from __future__ import annotations

import calendar
import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from chronology.analysis.classify import dash_level, is_incident
from chronology.analysis.facts import ChildFacts, Fact, PlanPeriod
from chronology.analysis.pattern_settings import Words, load_pattern_settings
from chronology.settings import load_config

Kind = Literal["harm", "strength"]


@dataclass(frozen=True, slots=True)
class HarmSettings:
    """``config/harm.toml`` read once into typed fields (see that file for what each one means)."""

    half_life_days: float
    also_event_types: frozenset[str]
    default_points: float
    points: Mapping[str, float]
    dash: Mapping[str, float]
    theme_multipliers: Mapping[str, float]
    active_days: int
    points_per_extra_theme: float
    themes_not_counted: frozenset[str]
    theme_evidence_excludes: frozenset[str]
    step_down_share: float
    step_down_days: int
    plan_completed_share: float
    escalation_days: int
    incident_free_days: int
    incident_free_share: float
    incident_free_max: int
    min_contribution: float

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> HarmSettings:
        adverse, severity, themes, strengths = (
            data["adverse"],
            data["severity"],
            data["themes"],
            data["strengths"],
        )
        return cls(
            half_life_days=float(data["decay"]["half_life_days"]),
            also_event_types=frozenset(adverse.get("also_event_types", ())),
            default_points=float(adverse["default_points"]),
            points={k: float(v) for k, v in adverse.get("points", {}).items()},
            dash={k.lower(): float(v) for k, v in severity.get("dash", {}).items()},
            theme_multipliers={k: float(v) for k, v in severity.get("themes", {}).items()},
            active_days=int(themes["active_days"]),
            points_per_extra_theme=float(themes["points_per_extra_theme"]),
            themes_not_counted=frozenset(themes.get("not_counted", ())),
            theme_evidence_excludes=frozenset(themes.get("evidence_excludes_event_types", ())),
            step_down_share=_share(strengths["step_down_share"]),
            step_down_days=int(strengths["step_down_days"]),
            plan_completed_share=_share(strengths["plan_completed_share"]),
            escalation_days=int(strengths["escalation_days"]),
            incident_free_days=int(strengths["incident_free_days"]),
            incident_free_share=_share(strengths["incident_free_share"]),
            incident_free_max=int(strengths["incident_free_max"]),
            min_contribution=float(data["series"]["min_contribution"]),
        )


def _share(value: object) -> float:
    share = float(value)  # type: ignore[arg-type]
    if not 0.0 <= share < 1.0:
        raise ValueError(f"a strength's share must be at least 0 and below 1, not {share}")
    return share


def load_harm_settings() -> HarmSettings:
    return HarmSettings.from_config(load_config("harm"))


@dataclass(frozen=True, slots=True)
class Contribution:
    """One thing that moves the index: an adverse event (or incident cluster) or a strength.

    An adverse event's ``points`` are its full points on ``day``; they fade by half every half-life.
    A strength's ``share`` is the share it takes off every adverse event before it.
    """

    kind: Kind
    day: dt.date
    events: tuple[int, ...]
    why: str
    points: float = 0.0
    share: float = 0.0
    themes: frozenset[str] = frozenset()
    agencies: tuple[str, ...] = ()

    def on(self, day: dt.date, half_life_days: float) -> float:
        """Its faded points on ``day`` (0 before it happened)."""
        if day < self.day:
            return 0.0
        return self.points * 0.5 ** ((day - self.day).days / half_life_days)

    def as_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "date": self.day.isoformat(),
            "points": round(self.points, 3),
            "share": round(self.share, 3),
            "events": list(self.events),
            "themes": sorted(self.themes),
            "agencies": list(self.agencies),
            "why": self.why,
        }


@dataclass(frozen=True, slots=True)
class HarmPoint:
    """The index on one day, and what made it: ``index = max(0, harm + theme_points - strengths)``."""

    day: dt.date
    index: float
    harm: float
    theme_points: float
    strengths: float
    active_themes: tuple[str, ...]
    events: tuple[int, ...]  # adverse events still contributing at least ``min_contribution``
    strength_events: tuple[int, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "date": self.day.isoformat(),
            "index": round(self.index, 2),
            "harm": round(self.harm, 2),
            "theme_points": round(self.theme_points, 2),
            "strengths": round(self.strengths, 2),
            "active_themes": list(self.active_themes),
            "active_theme_count": len(self.active_themes),
            "events": list(self.events),
            "strength_events": list(self.strength_events),
        }


@dataclass(frozen=True, slots=True)
class HarmSeries:
    """Monthly points for a chart, and every contribution so each rise and fall can be explained."""

    child_person_id: int
    points: tuple[HarmPoint, ...]
    contributions: tuple[Contribution, ...]

    def as_dict(self) -> dict[str, Any]:
        return {
            "child_person_id": self.child_person_id,
            "points": [p.as_dict() for p in self.points],
            "contributions": [c.as_dict() for c in self.contributions],
        }


# --- what adds and what takes away --------------------------------------------------------------------


def is_adverse(fact: Fact, settings: HarmSettings, words: Words | None = None) -> bool:
    """An incident as the spec defines it (``classify.is_incident``), or one of the extra types."""
    return fact.day is not None and (fact.event_type in settings.also_event_types or is_incident(fact, words))


def event_points(fact: Fact, settings: HarmSettings) -> float:
    """An adverse event's full points: its type's points x its DASH level x its heaviest theme."""
    base = settings.points.get(fact.event_type, settings.default_points)
    level = dash_level(fact)
    dash = settings.dash.get(level, 1.0) if level else 1.0
    theme = max((settings.theme_multipliers.get(t, 1.0) for t in fact.themes), default=1.0)
    return base * dash * theme


def _label(fact: Fact) -> str:
    words = fact.event_type.replace("_", " ")
    level = dash_level(fact)
    return f"{words} (DASH {level})" if level else words


def adverse_contributions(
    child: ChildFacts, settings: HarmSettings, words: Words | None = None
) -> list[Contribution]:
    """Adverse events, each incident cluster once: its first day, its heaviest report's points."""
    words = words or load_pattern_settings().words  # the spec's words, read once per child
    groups: dict[object, list[Fact]] = {}
    for fact in child.facts:
        if is_adverse(fact, settings, words):
            key = child.clusters.get(fact.id) or ("event", fact.id)
            groups.setdefault(key, []).append(fact)
    found = []
    for members in groups.values():
        heaviest = max(members, key=lambda f: event_points(f, settings))
        agencies = tuple(sorted({f.top_agency for f in members}))
        why = _label(heaviest)
        if len(members) > 1:
            why += f", one incident reported by {len(members)} records ({', '.join(agencies)})"
        found.append(
            Contribution(
                kind="harm",
                day=min(f.day for f in members if f.day is not None),
                points=event_points(heaviest, settings),
                events=tuple(sorted(f.id for f in members)),
                themes=frozenset().union(*(f.themes for f in members)) - settings.themes_not_counted,
                agencies=agencies,
                why=why,
            )
        )
    return sorted(found, key=lambda c: (c.day, c.events))


def _plans(child: ChildFacts, kind: str) -> list[PlanPeriod]:
    return [p for p in child.plans if p.kind == kind]


def plan_strengths(child: ChildFacts, as_of: dt.date, settings: HarmSettings) -> list[Contribution]:
    """Plan progress: a CP plan stepped down to child in need; a CIN plan completed, not escalated."""
    cp, cin = _plans(child, "cp"), _plans(child, "cin")
    found = []
    step_down = dt.timedelta(days=settings.step_down_days)
    for plan in cp:
        if (
            plan.end is not None
            and plan.end <= as_of
            and any(plan.end <= c.start <= plan.end + step_down for c in cin)
        ):
            found.append(
                _plan_strength(
                    plan,
                    settings.step_down_share,
                    "child protection plan stepped down to a child in need plan",
                )
            )
    escalation = dt.timedelta(days=settings.escalation_days)
    for plan in cin:
        if plan.end is None or plan.end > as_of:
            continue
        if any(plan.end - escalation <= c.start <= plan.end + escalation for c in cp):
            continue  # ended because it escalated to child protection: not progress
        found.append(_plan_strength(plan, settings.plan_completed_share, "child in need plan completed"))
    return found


def _plan_strength(plan: PlanPeriod, share: float, why: str) -> Contribution:
    assert plan.end is not None
    events = tuple(i for i in (plan.end_event_id,) if i is not None)
    return Contribution(kind="strength", day=plan.end, events=events, why=why, share=share)


def incident_free_strengths(
    adverse: list[Contribution],
    as_of: dt.date,
    settings: HarmSettings,
    coverage: Mapping[str, tuple[dt.date, dt.date]] | None = None,
) -> list[Contribution]:
    """Each full incident-free period after an adverse event, until the next one (or ``as_of``).

    Silence only counts where it means something: a period is not counted when an agency that has
    reported harm for this child has imported data that stops (or starts) within it.
    """
    found: list[Contribution] = []
    period = dt.timedelta(days=settings.incident_free_days)
    reporters = {agency for c in adverse for agency in c.agencies}
    spans = [span for agency, span in (coverage or {}).items() if agency in reporters]
    days = sorted({c.day for c in adverse})
    for last, following in zip(days, [*days[1:], None], strict=False):
        for n in range(1, settings.incident_free_max + 1):
            day = last + period * n
            if day > as_of or (following is not None and day >= following):
                break
            if any(not (start <= last and day <= end) for start, end in spans):
                break  # an agency's data does not cover the whole period
            why = f"{settings.incident_free_days * n} days with no incident since {last.isoformat()}"
            found.append(
                Contribution(kind="strength", day=day, events=(), why=why, share=settings.incident_free_share)
            )
    return found


def theme_evidence(child: ChildFacts, settings: HarmSettings) -> list[tuple[dt.date, str]]:
    """(day, theme) for every dated event that evidences a counted risk theme."""
    return sorted(
        (fact.day, theme)
        for fact in child.facts
        if fact.day is not None and fact.event_type not in settings.theme_evidence_excludes
        for theme in fact.themes
        if theme not in settings.themes_not_counted
    )


def reference_date(child: ChildFacts) -> dt.date | None:
    """The audit's reference date, else the child's latest dated event."""
    if child.as_of is not None:
        return child.as_of
    return max((f.day for f in child.facts if f.day is not None), default=None)


# --- the index ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Inputs:
    harm: list[Contribution]
    strengths: list[Contribution]
    themes: list[tuple[dt.date, str]]


def _inputs(child: ChildFacts, as_of: dt.date, settings: HarmSettings) -> _Inputs:
    harm = [c for c in adverse_contributions(child, settings) if c.day <= as_of]
    strengths = plan_strengths(child, as_of, settings) + incident_free_strengths(
        harm, as_of, settings, child.coverage
    )
    strengths.sort(key=lambda c: (c.day, c.events))
    return _Inputs(harm, strengths, [(d, t) for d, t in theme_evidence(child, settings) if d <= as_of])


def _point(day: dt.date, inputs: _Inputs, settings: HarmSettings) -> HarmPoint:
    """Sum the faded points; each strength then takes its share off what happened before it."""
    strengths_now = [s for s in inputs.strengths if s.day <= day]
    harm = taken_off = 0.0
    contributing: list[Contribution] = []
    turning: set[int] = set()
    for item in inputs.harm:
        if item.day > day:
            continue
        value = item.on(day, settings.half_life_days)
        harm += value
        if value >= settings.min_contribution:
            contributing.append(item)
        for strength in strengths_now:
            if strength.day > item.day:
                cut = value * strength.share
                value -= cut
                taken_off += cut
                if cut >= settings.min_contribution:
                    turning.update(strength.events)
    since = day - dt.timedelta(days=settings.active_days)
    active = tuple(sorted({theme for d, theme in inputs.themes if since < d <= day}))
    theme_points = settings.points_per_extra_theme * max(0, len(active) - 1)
    return HarmPoint(
        day=day,
        index=max(0.0, harm + theme_points - taken_off),
        harm=harm,
        theme_points=theme_points,
        strengths=taken_off,
        active_themes=active,
        events=_ids(contributing),
        strength_events=tuple(sorted(turning)),
    )


def _ids(contributions: Iterable[Contribution]) -> tuple[int, ...]:
    return tuple(sorted({i for c in contributions for i in c.events}))


def harm_on(child: ChildFacts, day: dt.date, settings: HarmSettings | None = None) -> HarmPoint:
    """The index on one day, counting only what was recorded up to that day."""
    settings = settings or load_harm_settings()
    return _point(day, _inputs(child, day, settings), settings)


def month_ends(first: dt.date, last: dt.date) -> list[dt.date]:
    """The last day of every month from ``first``'s month to ``last``'s, the final one cut to ``last``."""
    days = []
    year, month = first.year, first.month
    while (year, month) <= (last.year, last.month):
        days.append(min(dt.date(year, month, calendar.monthrange(year, month)[1]), last))
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return days


def harm_series(child: ChildFacts, settings: HarmSettings | None = None) -> HarmSeries:
    """The index at the end of every month, from the child's first dated event to the reference date."""
    settings = settings or load_harm_settings()
    as_of = reference_date(child)
    dated = [f.day for f in child.facts if f.day is not None and (as_of is None or f.day <= as_of)]
    if as_of is None or not dated:
        return HarmSeries(child.person_id, (), ())
    inputs = _inputs(child, as_of, settings)
    points = tuple(_point(day, inputs, settings) for day in month_ends(min(dated), as_of))
    contributions = tuple(sorted(inputs.harm + inputs.strengths, key=lambda c: (c.day, c.kind, c.events)))
    return HarmSeries(child.person_id, points, contributions)
