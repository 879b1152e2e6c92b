"""Planted scenarios, in the fixed order planted families take them (positives and controls interleaved)."""

from __future__ import annotations

from itertools import zip_longest

from generator.scenarios.base import Scenario
from generator.scenarios.negative import NEGATIVE
from generator.scenarios.positive import POSITIVE

CYCLE: tuple[Scenario, ...] = tuple(
    s for pair in zip_longest(POSITIVE, NEGATIVE) for s in pair if s is not None
)

__all__ = ["CYCLE", "NEGATIVE", "POSITIVE", "Scenario"]
