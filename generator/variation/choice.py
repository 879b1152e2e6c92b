"""Deterministic choices for the variation mode: the same seed and keys always pick the same option.

Variation must not touch the world's own random stream (the plain files stay byte-identical), so
every choice here is a hash of the variation seed and what is being varied, never ``random`` state.
"""

from __future__ import annotations

import random
import zlib
from collections.abc import Sequence
from typing import TypeVar

T = TypeVar("T")


def number(seed: int, *keys: object) -> int:
    """A stable non-negative number for ``keys`` under ``seed``."""
    text = "\x1f".join(str(key) for key in (seed, *keys))
    return zlib.crc32(text.encode("utf-8"))


def pick(options: Sequence[T], seed: int, *keys: object) -> T:
    """One of ``options``, the same one every time for the same seed and keys."""
    return options[number(seed, *keys) % len(options)]


def rng(seed: int, *keys: object) -> random.Random:
    """A private random stream for one varied thing (a file's row order, say)."""
    return random.Random(number(seed, *keys))
