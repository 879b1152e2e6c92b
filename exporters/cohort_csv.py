"""The cohort list as CSV: which children a panel's cohort selected, which plan(s) and why.

The panel CSV (``audit_csv.py``) has one row per flag, so a child in the cohort with no flag is not
in it; this list says who the panel is looking at. UTF-8 with BOM and formula-safe, like every export.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable
from pathlib import Path

from chronology.analysis.audit import ChildAudit
from exporters.csv_safety import escape_cell

COLUMNS = ["child_id", "plans", "why"]


def export_cohort(path: Path, children: Iterable[ChildAudit]) -> int:
    """Write one row per child in the cohort; returns the number of children."""
    count = 0
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\r\n")
        writer.writerow(COLUMNS)
        for child in children:
            plans = "; ".join(
                f"{m.plan.start.isoformat()} to {m.plan.end.isoformat() if m.plan.end else 'open'}"
                for m in child.match.plans
            )
            writer.writerow([escape_cell(value) for value in (child.child_id, plans, child.match.describe())])
            count += 1
    return count
