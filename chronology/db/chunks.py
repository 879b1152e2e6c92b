"""Long id lists asked in parts: an ``IN (...)`` list stays well under SQLite's and PostgreSQL's
limits on bound parameters, whatever the number of children an import or a refresh touches."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import TypeVar

CHUNK = 2_000  # ids per IN (...) list
T = TypeVar("T")


def chunks(items: Sequence[T], size: int = CHUNK) -> Iterator[Sequence[T]]:
    """``items`` in consecutive slices of at most ``size``."""
    for start in range(0, len(items), size):
        yield items[start : start + size]
