"""The audit panel's question, read from the URL: a cohort (a preset and/or conditions) and the
patterns to show. A GET form, so a panel's view is a link that can be shared and reopened.

The conditions are ``CohortFilter`` fields (chronology/analysis/cohorts.py), read and checked here
with messages a panel member can act on.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

from chronology.analysis.cohorts import PLAN_KINDS, CohortError, CohortFilter, normalised, preset, presets
from chronology.analysis.concern import concern_settings
from chronology.analysis.patterns import PATTERN_CODES
from chronology.display_names import display, readable
from chronology.vocabulary import themes as known_themes
from web.query_params import reject_unknown
from web.timeline_filters import entered_parts, read_date

AGENCIES = ("Police", "Health", "Education", "Children's social care")
NUMBERS = {
    "age_min": "Youngest age",
    "age_max": "Oldest age",
    "plan_months_min": "Shortest plan (months)",
    "plan_months_max": "Longest plan (months)",
    "min_plans": "At least this many plans",
}
LISTS = ("plan_category", "main_concern", "agency", "theme", "pattern")
AGE_ON_PARTS = ("age_on-day", "age_on-month", "age_on-year")  # the GOV.UK date pattern, for "a date"
PARAMS = ("preset", "plan_kind", "age_on", *AGE_ON_PARTS, *NUMBERS, *LISTS, "page")  # what a panel address may hold


def plan_category_choices() -> list[str]:
    """The categories of abuse under one name each (config/cohorts.toml [plan_categories])."""
    return sorted(set(concern_settings().categories.values()))


@dataclass(slots=True)
class PanelQuery:
    """What was asked (as given, to show back in the form), the cohort it makes, and any problems."""

    values: dict[str, str] = field(default_factory=dict)
    lists: dict[str, list[str]] = field(default_factory=dict)
    cohort: CohortFilter = field(default_factory=CohortFilter)
    patterns: tuple[str, ...] = ()
    errors: dict[str, str] = field(default_factory=dict)  # field name -> message
    age_on_parts: tuple[str, str, str] = ("", "", "")  # the age-on date's day, month and year fields

    @property
    def preset_name(self) -> str:
        return self.values.get("preset", "")

    def args(self) -> dict[str, Any]:
        """The question as URL arguments again (for the CSV link, paging and the evidence pages)."""
        out: dict[str, Any] = {k: v for k, v in self.values.items() if v}
        out.update({k: v for k, v in self.lists.items() if v})
        return out


def _number(args: MultiDict[str, str], name: str, errors: dict[str, str]) -> int | None:
    text = args.get(name, "").strip()
    if not text:
        return None
    if not text.isdigit():
        errors[name] = f"{NUMBERS[name]} must be a whole number, like 5"
        return None
    return int(text)


def _age_on(args: MultiDict[str, str], errors: dict[str, str]) -> Any:
    """The plan's start, the reference date, or a date (``age_on=2024-03-31`` or its three fields)."""
    text = args.get("age_on", "").strip()
    if text in ("plan_start", "as_of"):
        return text
    if text in ("", "date"):
        found: dict[str, str] = {}
        day = read_date(MultiDict({k: v for k, v in args.items() if k in AGE_ON_PARTS}), "age_on", found, "Age on date")
        if found:
            errors["age_on"] = found["age_on"]
        elif text == "date" and day is None:
            errors["age_on"] = "Enter the age on date"
        return day
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        errors["age_on"] = "Age on must be the plan's start, the reference date, or a real date"
        return None


def _chosen(
    args: MultiDict[str, str], name: str, allowed: list[str] | tuple[str, ...], errors: dict[str, str]
) -> list[str]:
    chosen = list(dict.fromkeys(v.strip() for v in args.getlist(name) if v.strip()))
    unknown = [v for v in chosen if v not in allowed]
    if unknown:
        errors[name] = f"Not a choice here: {', '.join(unknown)}"
    return [v for v in chosen if v in allowed]


def read_query(args: MultiDict[str, str]) -> PanelQuery:
    """The panel's question; an address with a parameter the panel does not take is refused (400)."""
    reject_unknown(args, PARAMS)
    errors: dict[str, str] = {}
    themes = list(known_themes())
    lists = {
        "plan_category": _chosen(args, "plan_category", plan_category_choices(), errors),
        "main_concern": _chosen(args, "main_concern", themes, errors),
        "agency": _chosen(args, "agency", AGENCIES, errors),
        "theme": _chosen(args, "theme", themes, errors),
        "pattern": _chosen(args, "pattern", PATTERN_CODES, errors),
    }
    values = {name: args.get(name, "").strip() for name in ("preset", "plan_kind", "age_on", *NUMBERS)}
    numbers = {name: _number(args, name, errors) for name in NUMBERS}
    age_on = _age_on(args, errors)
    query_age = age_on if isinstance(age_on, dt.date) else None
    values["age_on"] = age_on.isoformat() if query_age else (age_on or "")
    if values["plan_kind"] and values["plan_kind"] not in PLAN_KINDS:
        errors["plan_kind"] = "Plan kind must be one of the choices"
    if values["preset"] and values["preset"] not in presets():
        errors["preset"] = "Choose one of the named cohorts"
    query = PanelQuery(values, lists, patterns=tuple(lists["pattern"]), errors=errors)
    query.age_on_parts = entered_parts(args, "age_on", query_age)
    if errors:
        return query
    try:
        base = preset(values["preset"]) if values["preset"] else CohortFilter()
        query.cohort = normalised(
            base.with_conditions(
                **numbers,
                age_on=age_on,
                plan_kind=values["plan_kind"] or None,
                plan_categories=frozenset(lists["plan_category"]),
                main_concerns=frozenset(lists["main_concern"]),
                agencies=frozenset(lists["agency"]),
                themes=frozenset(lists["theme"]),
            )
        )
    except CohortError as exc:
        errors["cohort"] = str(exc)
    return query


def cohort_words(cohort: CohortFilter) -> str:
    """The cohort in a panel member's words ("Children on repeat child protection plans; youngest age 3")."""
    parts = []
    if cohort.name:
        parts.append(str(presets().get(cohort.name, {}).get("title", cohort.name)))
    labels = {**NUMBERS, "plan_days_min": "Shortest plan (days)", "plan_days_max": "Longest plan (days)"}
    for name, label in labels.items():
        value = getattr(cohort, name)
        if value is not None:
            parts.append(f"{label.lower()} {value}")
    if cohort.age_on is not None:
        on = {"plan_start": "the plan's start", "as_of": "the reference date"}.get(str(cohort.age_on), str(cohort.age_on))
        parts.append(f"ages on {on}")
    parts.append(display(cohort.plan_kind, "plan_kinds").lower() + "s")
    for name, label in (("plan_started_from", "plans started from"), ("plan_started_to", "plans started up to")):
        value = getattr(cohort, name)
        if value is not None:
            parts.append(f"{label} {value.isoformat()}")
    lists = (
        ("plan_categories", "plan category", "plan_categories"),
        ("main_concerns", "main concern", "themes"),
        ("themes", "risk themes", "themes"),
    )
    for name, label, kind in lists:
        values = getattr(cohort, name)
        if values:
            parts.append(f"{label} {', '.join(sorted(display(v, kind) for v in values))}")
    if cohort.agencies:
        parts.append(f"known to {', '.join(sorted(cohort.agencies))}")
    if cohort.patterns:
        parts.append(f"patterns {', '.join(sorted(readable(p) for p in cohort.patterns))}")
    return "; ".join(parts)
