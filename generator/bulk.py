"""A single large template CSV of an exact number of rows, for import benchmarks."""

from __future__ import annotations

import csv
import datetime as dt
from pathlib import Path

from generator.timeline import Window
from generator.world import iter_families
from generator.writers.template_csv import COLUMNS, family_rows

CHILDREN_CAP = 10_000_000  # the world is endless in practice; rows stop the run long before this


def write_template_rows(
    path: Path,
    rows: int,
    seed: int,
    *,
    start: dt.date = dt.date(2016, 4, 1),
    end: dt.date = dt.date(2025, 3, 31),
) -> int:
    """Write exactly ``rows`` data rows of every agency into one template CSV, streamed; returns rows.

    Rows come from the same world as ``generate_authority`` (so they read like real chronologies
    across many children), family after family, until the count is reached.
    """
    if rows < 0:
        raise ValueError("rows must not be negative")
    path.parent.mkdir(parents=True, exist_ok=True)
    written = 0
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(COLUMNS)
        if rows == 0:
            return 0
        for family in iter_families(seed=seed, children=CHILDREN_CAP, window=Window(start, end)):
            for _, values in family_rows(family):
                writer.writerow(values)
                written += 1
                if written == rows:
                    return written
    return written
