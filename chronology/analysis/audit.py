"""One child's part in a cohort audit: are they in the cohort, and which flags go to the panel.

Pure over a ``ChildFacts``, so the command line can share a cohort's children among processes and
the web can run the same function for one child.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chronology.analysis.cohorts import CohortFilter, CohortMatch, select
from chronology.analysis.facts import ChildFacts, Flag
from chronology.analysis.pattern_settings import PatternSettings
from chronology.analysis.patterns import PATTERN_CODES, find_flags


@dataclass(frozen=True, slots=True)
class ChildAudit:
    """A child in the cohort, why, and the flags the panel asked for (oldest evidence first)."""

    person_id: int
    la_child_id: str | None
    match: CohortMatch
    flags: tuple[Flag, ...]

    @property
    def child_id(self) -> str:
        """The panel's child ID: the LA child ID, else the project's own person ID."""
        return self.la_child_id or f"person-{self.person_id}"


@dataclass(frozen=True, slots=True)
class AuditRequest:
    """What a panel asked for: a cohort, the patterns to export (empty: all), a reference date."""

    cohort: CohortFilter
    patterns: tuple[str, ...] = ()
    as_of: dt.date | None = None
    with_flags: bool = True  # False: only who is in the cohort (rules run only for "patterns present")

    def __post_init__(self) -> None:
        unknown = (set(self.patterns) | set(self.cohort.patterns)) - set(PATTERN_CODES)
        if unknown:
            raise ValueError(f"unknown pattern code(s): {', '.join(sorted(unknown))}")

    @property
    def rules_to_run(self) -> tuple[str, ...]:
        """The rules the export needs and those the cohort's "patterns present" condition needs."""
        if not self.with_flags:
            return tuple(code for code in PATTERN_CODES if code in self.cohort.patterns)
        if not self.patterns:
            return PATTERN_CODES
        wanted = set(self.patterns) | set(self.cohort.patterns)
        return tuple(code for code in PATTERN_CODES if code in wanted)


def audit_child(
    child: ChildFacts, request: AuditRequest, settings: PatternSettings | None = None
) -> ChildAudit | None:
    """The child's audit when they are in the cohort, else None (the rules run only when needed)."""
    if not request.cohort.patterns and select(child, [], request.cohort) is None:
        return None
    rules = request.rules_to_run
    flags = find_flags(child, settings, codes=rules) if rules else []
    match = select(child, flags, request.cohort)
    if match is None:
        return None
    exported = [
        f for f in flags if request.with_flags and (not request.patterns or f.pattern in request.patterns)
    ]
    return ChildAudit(child.person_id, child.la_child_id, match, tuple(exported))
