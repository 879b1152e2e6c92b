"""The audit panel CSV of ../shared/specs/patterns-and-exports.md: one row per flag, for a cohort.

Columns ``child_id, pattern, evidence_from, evidence_to, events, detail``. ``child_id`` is the child's
LA child ID, or the project's own person ID where the child has none; ``events`` lists the evidence
event IDs so a panel can open them on the timeline. UTF-8 with BOM (so Excel opens it correctly) and
every cell escaped against formula injection: a detail quotes what agencies wrote.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path
from typing import TextIO

from chronology.analysis.facts import ChildFacts, Flag
from exporters.csv_safety import escape_cell

COLUMNS = ["child_id", "pattern", "evidence_from", "evidence_to", "events", "detail"]


def panel_child_id(child: ChildFacts) -> str:
    """The LA child ID, else the project's own ID (``person-<id>``) so the row is never anonymous."""
    return child.la_child_id or f"person-{child.person_id}"


def flag_row(child_id: str, flag: Flag) -> dict[str, str]:
    """One CSV row (unescaped values) for a flag."""
    return {
        "child_id": child_id,
        "pattern": flag.pattern,
        "evidence_from": flag.evidence_from.isoformat(),
        "evidence_to": flag.evidence_to.isoformat(),
        "events": "; ".join(str(event) for event in flag.events),
        "detail": flag.detail,
    }


def write_audit(handle: TextIO, flagged: Iterable[tuple[str, Flag]]) -> int:
    """Write ``(child_id, flag)`` pairs to an open text handle; returns the number of flag rows."""
    writer = csv.writer(handle, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    count = 0
    for child_id, flag in flagged:
        row = flag_row(child_id, flag)
        writer.writerow([escape_cell(row[column]) for column in COLUMNS])
        count += 1
    return count


def export_audit(path: Path, flagged: Iterable[tuple[str, Flag]]) -> int:
    """Write the audit panel CSV file (UTF-8 with BOM); returns the number of flag rows."""
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        return write_audit(handle, flagged)
