"""Synthetic multi-agency data for a fictional authority, with a ground truth of planted audit patterns.

``generate_authority`` writes one chronology template CSV per agency, ``ground-truth.json`` and
``manifest.json``; ``write_template_rows`` writes one large template CSV for benchmarks. The world
(families, plans, incidents) is built apart from the file formats, family by family, so more
writers can render the same world later and any number of children streams in flat memory.
``vary_seed`` writes the same world again in the ways independent exports to the same spec differ
(``generator.variation``), so the importers and analysis are tested on data we did not shape.
Everything is invented: names from small lists, NHS numbers in the 999 test range.
"""

from __future__ import annotations

from generator.authority import GenerationSummary, generate_authority
from generator.bulk import write_template_rows
from generator.model import Family
from generator.world import iter_families
from generator.writers import Writer

__all__ = [
    "Family",
    "GenerationSummary",
    "Writer",
    "generate_authority",
    "iter_families",
    "write_template_rows",
]
