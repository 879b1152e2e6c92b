"""A plan's main concern and category, read from what the imported events carry.

No source gives a plan's "main concern" in one field: the census gives a coarse category of abuse
(most domestic-abuse plans are "Emotional abuse") and the assessment factors that led to the plan.
The rule, its look-back and its order of sources are in ``config/cohorts.toml`` [main_concern].
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any

from chronology.analysis.facts import ChildFacts, Fact, PlanPeriod
from chronology.display_names import display
from chronology.settings import load_config

SOURCES = ("assessment", "referral", "plan_category")


@dataclass(frozen=True, slots=True)
class ConcernSettings:
    lookback_days: int
    sources: tuple[str, ...]
    ignore_themes: frozenset[str]
    categories: Mapping[str, str]  # lower-cased way a source writes it -> category name (a theme)

    @classmethod
    def from_config(cls, data: Mapping[str, Any]) -> ConcernSettings:
        section = data["main_concern"]
        sources = tuple(section["sources"])
        unknown = set(sources) - set(SOURCES)
        if unknown:
            raise ValueError(f"unknown main concern source(s) {sorted(unknown)}; known: {list(SOURCES)}")
        categories = {
            alias.strip().lower(): name
            for name, aliases in data.get("plan_categories", {}).items()
            for alias in [name, *aliases]
        }
        return cls(
            lookback_days=int(section["lookback_days"]),
            sources=sources,
            ignore_themes=frozenset(section.get("ignore_themes", ())),
            categories=categories,
        )


@cache
def concern_settings() -> ConcernSettings:
    return ConcernSettings.from_config(load_config("cohorts"))


@dataclass(frozen=True, slots=True)
class MainConcern:
    """The risk themes a plan was mainly for, and where they were read from (for the export)."""

    themes: frozenset[str]
    source: str | None  # assessment | referral | plan_category | None when nothing said
    event_id: int | None
    day: dt.date | None

    def describe(self) -> str:
        if not self.themes:
            return "main concern not recorded"
        names = ", ".join(sorted(display(t, "themes").lower() for t in self.themes))
        where = {
            "assessment": "factors at the assessment",
            "referral": "the referral",
            "plan_category": "the plan's category",
        }[self.source or "plan_category"]
        when = f" of {self.day.isoformat()}" if self.day and self.source != "plan_category" else ""
        return f"main concern {names} ({where}{when})"


def plan_category(plan: PlanPeriod, settings: ConcernSettings | None = None) -> str | None:
    """The plan's category under one name (``NEG`` and ``Neglect`` are both ``neglect``)."""
    if not plan.category:
        return None
    settings = settings or concern_settings()
    text = plan.category.strip().lower()
    return settings.categories.get(text, text)


def normalise_category(text: str, settings: ConcernSettings | None = None) -> str:
    settings = settings or concern_settings()
    return settings.categories.get(text.strip().lower(), text.strip().lower())


def _last_with_themes(
    facts: list[Fact], event_type: str, start: dt.date, end: dt.date, ignore: frozenset[str]
) -> Fact | None:
    found = None
    for fact in facts:  # oldest first: the last one wins
        dated = fact.day is not None and start <= fact.day <= end
        if fact.event_type == event_type and dated and fact.themes - ignore:
            found = fact
    return found


def main_concern(child: ChildFacts, plan: PlanPeriod, settings: ConcernSettings | None = None) -> MainConcern:
    """The first source in the configured order that names a risk theme for this plan."""
    settings = settings or concern_settings()
    since = plan.start - dt.timedelta(days=settings.lookback_days)
    for source in settings.sources:
        if source == "plan_category":
            category = plan_category(plan, settings)
            if category and category not in settings.ignore_themes:
                return MainConcern(frozenset({category}), source, plan.start_event_id, plan.start)
            continue
        fact = _last_with_themes(child.facts, source, since, plan.start, settings.ignore_themes)
        if fact is not None:
            return MainConcern(fact.themes - settings.ignore_themes, source, fact.id, fact.day)
    return MainConcern(frozenset(), None, None, None)
