"""Cohorts: which children an audit panel looks at, as a typed filter over one child's facts.

The two seed audits chose their children by hand (aged 5 and under, on a plan for 1-2 years, mainly
for domestic abuse; children on repeat plans). Here the choice is a ``CohortFilter`` (named presets
in ``config/cohorts.toml``) and ``select`` says, for one child, whether they are in and why, so the
export can show the panel which plan made a child part of the cohort.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields, replace
from typing import Any, Literal

from chronology.analysis.concern import (
    ConcernSettings,
    concern_settings,
    main_concern,
    normalise_category,
    plan_category,
)
from chronology.analysis.facts import ChildFacts, Flag, PlanPeriod, top_agency
from chronology.analysis.harm import reference_date
from chronology.display_names import display, readable
from chronology.settings import load_config

PLAN_KINDS = ("cp", "cin", "looked_after")
PLAN_WORDS = {
    "cp": "child protection plan",
    "cin": "child in need plan",
    "looked_after": "period looked after",
}
AgeOn = Literal["plan_start", "as_of"] | dt.date


class CohortError(ValueError):
    """A cohort filter or preset that cannot be used as written."""


def completed_years(dob: dt.date, day: dt.date) -> int:
    """Age in completed years (a child is 5 until the day before their sixth birthday)."""
    return day.year - dob.year - ((day.month, day.day) < (dob.month, dob.day))


def completed_months(start: dt.date, end: dt.date) -> int:
    """Whole calendar months from ``start`` to ``end`` (15 January to 14 March: 1)."""
    months = (end.year - start.year) * 12 + end.month - start.month
    return months - (end.day < start.day)


@dataclass(frozen=True, slots=True)
class CohortFilter:
    """Every condition set must hold. Plan conditions must hold for one and the same plan.

    ``age_on``: ``"plan_start"`` (the age at the start of the matching plan), ``"as_of"`` (on the
    audit's reference date) or a date; left as None it is the plan's start when the filter has plan
    conditions, else the reference date. Agencies, themes and patterns: the child must have all.
    """

    name: str | None = None
    age_min: int | None = None
    age_max: int | None = None
    age_on: AgeOn | None = None
    plan_kind: str = "cp"
    plan_days_min: int | None = None
    plan_days_max: int | None = None
    plan_months_min: int | None = None
    plan_months_max: int | None = None
    plan_started_from: dt.date | None = None
    plan_started_to: dt.date | None = None
    plan_categories: frozenset[str] = frozenset()
    main_concerns: frozenset[str] = frozenset()
    min_plans: int | None = None
    agencies: frozenset[str] = frozenset()
    themes: frozenset[str] = frozenset()
    patterns: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        if self.plan_kind not in PLAN_KINDS:
            raise CohortError(f"plan kind must be one of {', '.join(PLAN_KINDS)}, not {self.plan_kind!r}")
        if isinstance(self.age_on, str) and self.age_on not in ("plan_start", "as_of"):
            raise CohortError(f"age_on must be plan_start, as_of or a date, not {self.age_on!r}")
        for low, high in (
            (self.age_min, self.age_max),
            (self.plan_days_min, self.plan_days_max),
            (self.plan_months_min, self.plan_months_max),
            (self.plan_started_from, self.plan_started_to),
        ):
            if low is not None and high is not None and low > high:  # type: ignore[operator]
                raise CohortError(f"a range's minimum ({low}) is above its maximum ({high})")

    @property
    def about_plans(self) -> bool:
        """True when a plan must match (and the export names it)."""
        return (
            self.age_on == "plan_start"
            or any(
                value is not None
                for value in (
                    self.plan_days_min,
                    self.plan_days_max,
                    self.plan_months_min,
                    self.plan_months_max,
                    self.plan_started_from,
                    self.plan_started_to,
                )
            )
            or bool(self.plan_categories or self.main_concerns)
        )

    @property
    def ages_at_plan_start(self) -> bool:
        return self.age_on == "plan_start" or (self.age_on is None and self.about_plans)

    def with_conditions(self, **overrides: Any) -> CohortFilter:
        """This filter with more conditions (None and empty values leave a condition as it is)."""
        given = {k: v for k, v in overrides.items() if v is not None and v != frozenset() and v != ()}
        return replace(self, **given)

    def describe(self) -> str:
        """The conditions in words, for the command's output and the access log."""
        parts = []
        if self.name:
            parts.append(f"cohort {self.name}:")
        for item in fields(self):
            value = getattr(self, item.name)
            if item.name == "name" or value is None or value == frozenset() or value == item.default:
                continue
            shown = ", ".join(sorted(value)) if isinstance(value, frozenset) else str(value)
            parts.append(f"{item.name}={shown}")
        return " ".join(parts) or "all children"


@dataclass(frozen=True, slots=True)
class PlanMatch:
    plan: PlanPeriod
    reasons: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class CohortMatch:
    """A child in the cohort: the plan(s) that matched and, in words, why."""

    child_person_id: int
    la_child_id: str | None
    plans: tuple[PlanMatch, ...]
    reasons: tuple[str, ...]

    def describe(self) -> str:
        words = [*self.reasons]
        for match in self.plans:
            words.append("; ".join(match.reasons))
        return "; ".join(words)


# --- presets --------------------------------------------------------------------------------------------

_LIST_FIELDS = {"plan_categories", "main_concerns", "agencies", "themes", "patterns"}
_DATE_FIELDS = {"plan_started_from", "plan_started_to"}
_INT_FIELDS = {
    "age_min",
    "age_max",
    "plan_days_min",
    "plan_days_max",
    "plan_months_min",
    "plan_months_max",
    "min_plans",
}
_INFO_KEYS = {"title", "source"}


def presets() -> dict[str, dict[str, Any]]:
    """Named cohorts from ``config/cohorts.toml`` [presets], as written there."""
    return dict(load_config("cohorts").get("presets", {}))


def preset(name: str) -> CohortFilter:
    """A named cohort as a filter; an unknown name or field is an error that names what is known."""
    known = presets()
    if name not in known:
        raise CohortError(f"no cohort preset {name!r}; known: {', '.join(sorted(known)) or 'none'}")
    return filter_from_mapping(known[name], name=name)


def filter_from_mapping(data: Mapping[str, Any], *, name: str | None = None) -> CohortFilter:
    allowed = {f.name for f in fields(CohortFilter)} - {"name"}
    values: dict[str, Any] = {}
    for key, value in data.items():
        if key in _INFO_KEYS:
            continue
        if key not in allowed:
            raise CohortError(f"cohort {name or ''} has an unknown condition {key!r}")
        if key in _LIST_FIELDS:
            if isinstance(value, str) or not all(isinstance(v, str) for v in value):
                raise CohortError(f"cohort {name or ''}: {key} must be a list of words, not {value!r}")
            value = frozenset(value)
        elif key in _INT_FIELDS and (isinstance(value, bool) or not isinstance(value, int) or value < 0):
            raise CohortError(f"cohort {name or ''}: {key} must be a whole number, not {value!r}")
        elif key in _DATE_FIELDS or (key == "age_on" and value not in ("plan_start", "as_of")):
            value = _date(key, value)
        values[key] = value
    return normalised(CohortFilter(name=name, **values))


def _date(key: str, value: object) -> dt.date:
    if isinstance(value, dt.date):
        return value
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        raise CohortError(f"{key} must be a date (YYYY-MM-DD), not {value!r}") from None


def normalised(cohort: CohortFilter, settings: ConcernSettings | None = None) -> CohortFilter:
    """Agencies as top-level agencies, categories under one name, so 'police' finds 'Police'."""
    settings = settings or concern_settings()
    return replace(
        cohort,
        agencies=frozenset(top_agency(a) for a in cohort.agencies),
        plan_categories=frozenset(normalise_category(c, settings) for c in cohort.plan_categories),
    )


# --- selection ------------------------------------------------------------------------------------------


def plan_count(plans: Iterable[PlanPeriod]) -> int:
    """Plans of one kind the child has had: those in the data, or more when a source says so
    (the census ``NumberOfPreviousCPP`` knows of plans before our data)."""
    plans = list(plans)
    if not plans:
        return 0
    return max(len(plans), *(p.number for p in plans), *((p.previous_reported or 0) + 1 for p in plans))


def _age_reason(cohort: CohortFilter, age: int, on: str) -> str | None:
    if cohort.age_min is not None and age < cohort.age_min:
        return None
    if cohort.age_max is not None and age > cohort.age_max:
        return None
    return f"aged {age} {on}"


def _plan_match(
    child: ChildFacts, plan: PlanPeriod, cohort: CohortFilter, as_of: dt.date, settings: ConcernSettings
) -> PlanMatch | None:
    """The plan's reasons when every plan condition holds for it, else None."""
    kind = PLAN_WORDS[plan.kind]
    reasons = [f"{kind} {plan.start.isoformat()} to {plan.end.isoformat() if plan.end else 'open'}"]
    if cohort.ages_at_plan_start and (cohort.age_min is not None or cohort.age_max is not None):
        if child.dob is None:
            return None
        said = _age_reason(cohort, completed_years(child.dob, plan.start), "at its start")
        if said is None:
            return None
        reasons.append(said)
    end = min(plan.end or as_of, as_of)
    days = (end - plan.start).days
    if (cohort.plan_days_min is not None and days < cohort.plan_days_min) or (
        cohort.plan_days_max is not None and days > cohort.plan_days_max
    ):
        return None
    months = completed_months(plan.start, end)
    if (cohort.plan_months_min is not None and months < cohort.plan_months_min) or (
        cohort.plan_months_max is not None and months > cohort.plan_months_max
    ):
        return None
    if any(v is not None for v in (cohort.plan_days_min, cohort.plan_days_max)):
        reasons.append(f"{days} days{' so far' if plan.end is None or plan.end > as_of else ''}")
    if any(v is not None for v in (cohort.plan_months_min, cohort.plan_months_max)):
        reasons.append(f"{months} whole months")
    if cohort.plan_started_from is not None and plan.start < cohort.plan_started_from:
        return None
    if cohort.plan_started_to is not None and plan.start > cohort.plan_started_to:
        return None
    if cohort.plan_categories:
        category = plan_category(plan, settings)
        if category not in cohort.plan_categories:
            return None
        reasons.append(f"category {display(plan.category, 'plan_categories')}")
    if cohort.main_concerns:
        concern = main_concern(child, plan, settings)
        if not concern.themes & cohort.main_concerns:
            return None
        reasons.append(concern.describe())
    return PlanMatch(plan, tuple(reasons))


def select(
    child: ChildFacts,
    flags: Iterable[Flag],
    cohort: CohortFilter,
    *,
    settings: ConcernSettings | None = None,
) -> CohortMatch | None:
    """The child's place in the cohort (which plans matched and why), or None when they are not in it."""
    settings = settings or concern_settings()
    as_of = reference_date(child) or dt.date.today()
    reasons: list[str] = []
    kind_plans = [p for p in child.plans if p.kind == cohort.plan_kind and p.start <= as_of]

    if not cohort.ages_at_plan_start and (cohort.age_min is not None or cohort.age_max is not None):
        if child.dob is None:
            return None
        day = cohort.age_on if isinstance(cohort.age_on, dt.date) else as_of
        said = _age_reason(cohort, completed_years(child.dob, day), f"on {day.isoformat()}")
        if said is None:
            return None
        reasons.append(said)

    if cohort.min_plans is not None:
        count = plan_count(kind_plans)
        if count < cohort.min_plans:
            return None
        reasons.append(f"{count} {PLAN_WORDS[cohort.plan_kind]}s")

    matched: tuple[PlanMatch, ...] = ()
    if cohort.about_plans:
        matched = tuple(m for p in kind_plans if (m := _plan_match(child, p, cohort, as_of, settings)))
        if not matched:
            return None

    facts = [f for f in child.facts if f.day is None or f.day <= as_of]
    if cohort.agencies:
        seen = {f.top_agency.lower() for f in facts}
        if not {a.lower() for a in cohort.agencies} <= seen:
            return None
        reasons.append(f"known to {', '.join(sorted(cohort.agencies))}")
    if cohort.themes:
        evidenced = frozenset().union(*(f.themes for f in facts)) if facts else frozenset()
        if not cohort.themes <= evidenced:
            return None
        reasons.append(f"risk themes {', '.join(sorted(display(t, 'themes').lower() for t in cohort.themes))} recorded")
    if cohort.patterns:
        found = {flag.pattern for flag in flags}
        if not cohort.patterns <= found:
            return None
        reasons.append(f"patterns {', '.join(sorted(readable(p) for p in cohort.patterns))} found")
    return CohortMatch(child.person_id, child.la_child_id, matched, tuple(reasons))
