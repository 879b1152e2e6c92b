"""The interface every output format implements, so new formats plug into the same world."""

from __future__ import annotations

from pathlib import Path
from typing import Protocol

from generator.model import Family


class Writer(Protocol):
    """Receives every family once, in order; must not keep them (memory stays flat)."""

    def open(self, out_dir: Path) -> None:
        """Create the writer's files in ``out_dir``."""

    def write_family(self, family: Family) -> None:
        """Write everything this format holds about one family."""

    def close(self) -> dict[str, int]:
        """Finish the files; returns each file name written with its number of data rows."""
        ...
