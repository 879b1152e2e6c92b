"""Generating a whole synthetic authority: world to writers, one family at a time, plus a manifest."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from generator.timeline import Window
from generator.variation import ASPECTS, vary_authority
from generator.world import iter_families
from generator.writers import GroundTruthWriter, TemplateCsvWriter, Writer
from generator.writers.ground_truth import NAME as GROUND_TRUTH
from generator.writers.native import native_writers
from generator.writers.template_csv import FILES

MANIFEST = "manifest.json"
AGENCY_OF_FILE = {name: agency for agency, name in FILES.items()}


@dataclass(frozen=True, slots=True)
class GenerationSummary:
    """What a run wrote: data files with their row counts, and the totals."""

    out_dir: Path
    files: dict[str, int]
    children: int
    families: int
    planted_children: int
    events: int
    ground_truth: Path
    manifest: Path

    def lines(self) -> list[str]:
        """What was written, for a person reading the command's output."""
        out = [
            f"{self.events} events for {self.children} children in {self.families} families "
            f"({self.planted_children} with planted patterns)"
        ]
        out += [
            f"{name}: {rows} rows"
            for name, rows in sorted(self.files.items())
            if not name.startswith("fhir/")
        ]
        fhir = [rows for name, rows in self.files.items() if name.startswith("fhir/")]
        if fhir:
            out.append(f"fhir/: {len(fhir)} bundles, {sum(fhir)} entries")
        out += [f"ground truth: {self.ground_truth.name}; manifest: {self.manifest.name}"]
        return out


def generate_authority(
    out_dir: Path,
    *,
    children: int = 200,
    seed: int = 1,
    start: dt.date = dt.date(2016, 4, 1),
    end: dt.date = dt.date(2025, 3, 31),
    writers: Sequence[Writer] | None = None,
    formats: str = "template",
    vary_seed: int | None = None,
    vary_aspects: frozenset[str] = ASPECTS,
) -> GenerationSummary:
    """Write a synthetic authority's agency files, ``ground-truth.json`` and ``manifest.json``.

    The same seed always gives byte-identical files. Families stream through the writers one at a
    time, so memory does not grow with ``children``. ``writers`` defaults to the chronology template.
    ``vary_seed`` writes the same world again within what the import spec allows
    (``generator.variation``) in each of ``vary_aspects``; without it the files are the plain ones.
    """
    if children < 1:
        raise ValueError("children must be at least 1")
    out_dir.mkdir(parents=True, exist_ok=True)
    if writers is not None:
        data_writers: list[Writer] = list(writers)
    elif formats == "native":
        data_writers = native_writers(end)
    elif formats == "template":
        data_writers = [TemplateCsvWriter()]
    else:
        raise ValueError(f"formats must be 'native' or 'template', not {formats!r}")
    truth = GroundTruthWriter(seed=seed, children=children, start=start, end=end)
    for writer in (*data_writers, truth):
        writer.open(out_dir)
    families = made = planted = events = 0
    for family in iter_families(seed=seed, children=children, window=Window(start, end)):
        for writer in data_writers:
            writer.write_family(family)
        truth.write_family(family)
        families += 1
        made += len(family.children)
        planted += sum(1 for c in family.children if c.scenario)
        events += sum(len(c.events) for c in family.children)
    files: dict[str, int] = {}
    for writer in data_writers:
        files.update(writer.close())
    truth.close()
    variation: dict = {}
    if vary_seed is not None:
        files, variation = vary_authority(out_dir, files, vary_seed, vary_aspects)
    manifest = out_dir / MANIFEST
    manifest.write_text(
        json.dumps(
            {
                "generator": "generator.generate_authority (synthetic data only)",
                "seed": seed,
                "children": made,
                "families": families,
                "planted_children": planted,
                "events": events,
                "start": start.isoformat(),
                "end": end.isoformat(),
                "files": [
                    {
                        "file": name,
                        "format": _format_of(name),
                        "agency": AGENCY_OF_FILE.get(name),
                        "rows": rows,
                    }
                    for name, rows in files.items()
                ],
                "ground_truth": GROUND_TRUTH,
                **({"variation": variation} if variation else {}),
            },
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    return GenerationSummary(
        out_dir, files, made, families, planted, events, out_dir / GROUND_TRUTH, manifest
    )


def _format_of(name: str) -> str:
    """The import format of a written file, by its name (as the writers name them)."""
    prefixes = {
        "template-": "template",
        "cin-census-": "cin-census",
        "case-notes": "case-notes",
        "relationships": "relationships",
        "fhir/": "fhir",
        "police-": "police",
        "school-log-": "school-log",
        "ctf-": "ctf",
        "ssda903-": "ssda903",
        "annex-a": "annex-a",
    }
    return next((fmt for prefix, fmt in prefixes.items() if name.startswith(prefix)), "unknown")
