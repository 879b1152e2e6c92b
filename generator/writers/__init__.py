"""Output formats. Each writer renders the same world, one family at a time (see ``Writer``)."""

from __future__ import annotations

from generator.writers.base import Writer
from generator.writers.ground_truth import GroundTruthWriter
from generator.writers.template_csv import TemplateCsvWriter

__all__ = ["GroundTruthWriter", "TemplateCsvWriter", "Writer"]
