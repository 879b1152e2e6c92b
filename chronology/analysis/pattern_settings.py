"""The audit patterns' names, sources, caveats and thresholds, read from ``config/patterns.toml``.

Typed, so a rule reads ``settings.da_escalation.min_incidents`` rather than a string key, and strict:
a threshold missing from the file, or one the code does not know, stops the audit instead of
silently using a number nobody chose.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from functools import cache
from typing import Any, get_type_hints

from chronology.settings import load_config

INFO_KEYS = ("title", "description", "source", "caveat")


@dataclass(frozen=True, slots=True)
class RuleInfo:
    """What a panel reads about a rule: its name, meaning in words, published source and caveat."""

    code: str
    title: str
    description: str
    source: str
    caveat: str


@dataclass(frozen=True, slots=True)
class Words:
    """The code lists behind the spec's "words the rules use"."""

    serious_school_categories: tuple[str, ...]
    response_types: tuple[str, ...]
    da_notification_types: tuple[str, ...]
    injury_words: tuple[str, ...]
    father_relationships: tuple[str, ...]
    high_dash_levels: tuple[str, ...]
    missed_appointment_types: tuple[str, ...]
    voice_phrases: tuple[str, ...]
    plan_kind: str


@dataclass(frozen=True, slots=True)
class NoThresholds:
    pass


@dataclass(frozen=True, slots=True)
class Within:
    within_months: int


@dataclass(frozen=True, slots=True)
class RiseAfterEnd:
    window_months: int
    min_after: int


@dataclass(frozen=True, slots=True)
class ClosedDespite:
    within_days: int


@dataclass(frozen=True, slots=True)
class Escalation:
    min_incidents: int
    within_months: int


@dataclass(frozen=True, slots=True)
class VoiceWindow:
    last_months: int


@dataclass(frozen=True, slots=True)
class SilentAgency:
    before_months: int
    min_events_before: int
    min_plan_months: int


@dataclass(frozen=True, slots=True)
class RiskFactors:
    within_months: int
    themes: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class NotBrought:
    min_missed: int
    within_months: int


@dataclass(frozen=True, slots=True)
class Isolation:
    min_incidents: int
    min_agencies: int
    within_months: int
    response_days: int
    plan_kinds: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PatternSettings:
    """Every rule's thresholds (one field per pattern code, in the spec's order) and its metadata."""

    words: Words
    info: dict[str, RuleInfo]
    repeat_cp_plan: NoThresholds
    repeat_cp_plan_within_2_years: Within
    short_gap_between_plans: Within
    incidents_rise_after_plan_end: RiseAfterEnd
    plan_closed_despite_recent_incidents: ClosedDespite
    da_escalation: Escalation
    repeat_marac: Within
    re_referral_within_12_months: Within
    father_not_in_plan: NoThresholds
    child_voice_not_recorded: VoiceWindow
    agency_silent_during_plan: SilentAgency
    multiple_risk_factors: RiskFactors
    was_not_brought: NotBrought
    incidents_in_isolation: Isolation

    @property
    def codes(self) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self) if f.name not in ("words", "info"))

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> PatternSettings:
        hints = get_type_hints(cls)
        values: dict[str, Any] = {"words": _build(Words, data.get("words", {}), "words"), "info": {}}
        for code in (f.name for f in dataclasses.fields(cls) if f.name not in ("words", "info")):
            table = dict(data.get(code) or {})
            if not table:
                raise ValueError(f"config/patterns.toml has no [{code}] table")
            missing = [key for key in INFO_KEYS if key not in table]
            if missing:
                raise ValueError(f"[{code}] needs {', '.join(missing)}")
            values["info"][code] = RuleInfo(code, *(str(table.pop(key)) for key in INFO_KEYS))
            values[code] = _build(hints[code], table, code)
        unknown = set(data) - set(values) - {"words"}
        if unknown:
            raise ValueError(f"config/patterns.toml has tables no rule reads: {', '.join(sorted(unknown))}")
        return cls(**values)


def _build(kind: type, table: dict[str, Any], where: str) -> Any:
    """One typed thresholds object; lists become tuples so the settings stay hashable and frozen."""
    names = {f.name for f in dataclasses.fields(kind)}
    unknown, missing = set(table) - names, names - set(table)
    if unknown or missing:
        problems = [f"unknown {', '.join(sorted(unknown))}"] if unknown else []
        problems += [f"missing {', '.join(sorted(missing))}"] if missing else []
        raise ValueError(f"[{where}] in config/patterns.toml: {'; '.join(problems)}")
    return kind(**{key: tuple(value) if isinstance(value, list) else value for key, value in table.items()})


@cache
def load_pattern_settings() -> PatternSettings:
    """The settings in ``config/patterns.toml`` (``CHRONOLOGY_CONFIG_DIR`` may point elsewhere)."""
    return PatternSettings.from_mapping(load_config("patterns"))
