"""Scoring the product's audit flags against a generated authority's ``ground-truth.json``.

The ground truth says, per planted child, which pattern codes fire and over which dates
(``children[*].patterns``), which must not (``negative_controls``), and that children not listed
fire none. A flag counts per child and code (does the child get the pattern at all), and each
truth occurrence is also checked for a flag of that code whose evidence dates overlap it.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol


class FlagLike(Protocol):
    pattern: str
    evidence_from: dt.date
    evidence_to: dt.date


@dataclass(slots=True)
class CodeScore:
    """One pattern's confusion counts over children, and how many truth occurrences a flag overlapped."""

    code: str
    true_positive: set[str] = field(default_factory=set)
    false_positive: set[str] = field(default_factory=set)
    false_negative: set[str] = field(default_factory=set)
    occurrences: int = 0
    occurrences_matched: int = 0

    @property
    def precision(self) -> float | None:
        found = len(self.true_positive) + len(self.false_positive)
        return len(self.true_positive) / found if found else None

    @property
    def recall(self) -> float | None:
        expected = len(self.true_positive) + len(self.false_negative)
        return len(self.true_positive) / expected if expected else None


@dataclass(slots=True)
class Scores:
    codes: dict[str, CodeScore]
    must_not_violated: list[tuple[str, str, str]]  # (la_child_id, code, why)
    must_not_checked: int


def expected_patterns(truth: Mapping[str, Any]) -> dict[str, dict[str, list[dict[str, str]]]]:
    """la_child_id -> code -> the truth's occurrences (from, to, detail)."""
    return {child["la_child_id"]: dict(child.get("patterns", {})) for child in truth["children"]}


def truth_index(truth: Mapping[str, Any]) -> dict[tuple[str, str], str]:
    """(identifier kind, value) -> the truth's LA child ID, for every planted child.

    A child never known to social care has no LA child ID in any file, so the audit names them by
    their project ID; their NHS number or UPN still says which planted child they are.
    """
    index: dict[tuple[str, str], str] = {}
    for child in truth["children"]:
        for kind in ("la_child_id", "nhs_number", "upn"):
            if child.get(kind):
                index[(kind, child[kind])] = child["la_child_id"]
    return index


def truth_child(index: Mapping[tuple[str, str], str], identifiers: Mapping[str, Iterable[str]]) -> str | None:
    """The planted child whose LA child ID, NHS number or UPN is among ``identifiers`` (kind -> values)."""
    for kind in ("la_child_id", "nhs_number", "upn"):
        for value in identifiers.get(kind, ()):
            if (kind, value) in index:
                return index[(kind, value)]
    return None


def _overlaps(flag: FlagLike, occurrence: Mapping[str, str], slack_days: int) -> bool:
    start = dt.date.fromisoformat(occurrence["from"]) - dt.timedelta(days=slack_days)
    end = dt.date.fromisoformat(occurrence["to"]) + dt.timedelta(days=slack_days)
    return flag.evidence_from <= end and flag.evidence_to >= start


def score(
    truth: Mapping[str, Any], flagged: Mapping[str, Iterable[FlagLike]], *, slack_days: int = 1
) -> Scores:
    """Compare ``flagged`` (la_child_id -> that child's flags, for every child audited) to the truth."""
    expected = expected_patterns(truth)
    codes = {code: CodeScore(code) for code in truth["pattern_codes"]}
    for child_id, child_flags in flagged.items():
        flags = list(child_flags)
        found = {f.pattern for f in flags}
        wanted = expected.get(child_id, {})
        for code, result in codes.items():
            if code in found and code in wanted:
                result.true_positive.add(child_id)
            elif code in found:
                result.false_positive.add(child_id)
            elif code in wanted:
                result.false_negative.add(child_id)
            for occurrence in wanted.get(code, []):
                result.occurrences += 1
                if any(f.pattern == code and _overlaps(f, occurrence, slack_days) for f in flags):
                    result.occurrences_matched += 1
    violated = []
    for control in truth.get("negative_controls", []):
        child_flags = flagged.get(control["la_child_id"], [])
        if any(f.pattern == control["must_not"] for f in child_flags):
            violated.append((control["la_child_id"], control["must_not"], control["why"]))
    return Scores(codes, violated, len(truth.get("negative_controls", [])))


def table(scores: Scores) -> str:
    """A plain-text table: code, expected, TP, FP, FN, precision, recall, occurrences matched."""

    def ratio(value: float | None) -> str:
        return "-" if value is None else f"{value:.2f}"

    lines = [
        f"{'pattern':38} {'truth':>5} {'TP':>4} {'FP':>4} {'FN':>4} {'precision':>9} {'recall':>6} {'occ.':>7}"
    ]
    for code, s in scores.codes.items():
        expected = len(s.true_positive) + len(s.false_negative)
        lines.append(
            f"{code:38} {expected:5} {len(s.true_positive):4} {len(s.false_positive):4} {len(s.false_negative):4} "
            f"{ratio(s.precision):>9} {ratio(s.recall):>6} {s.occurrences_matched:>3}/{s.occurrences:<3}"
        )
    lines.append(
        f"negative controls: {scores.must_not_checked - len(scores.must_not_violated)}/{scores.must_not_checked} held"
    )
    return "\n".join(lines)
