"""The importer plugin contract and registry.

An importer reads one file and streams canonical items (events, relationships, rejected rows,
warnings). It never touches the database: the store decides what is new. Plugins register by
name, the way plaso registers parsers, so ``chronology import`` can find one for any file.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from chronology.events import ImportItem


@dataclass(frozen=True, slots=True)
class ImportOptions:
    """What the person importing said about the file."""

    agency: str | None = None  # agency to use where the file does not name one
    max_bytes: int = 512 * 1024 * 1024  # files larger than this are refused


class Importer(ABC):
    """One source format. Subclasses set ``name`` and ``description`` and implement both methods."""

    name: ClassVar[str]
    description: ClassVar[str]

    @classmethod
    @abstractmethod
    def can_read(cls, path: Path) -> bool:
        """Cheap sniff: True when this importer recognises the file (name, header, root element)."""

    @abstractmethod
    def read(self, path: Path, options: ImportOptions) -> Iterator[ImportItem]:
        """Stream items from the file. Raise ``ImportFileError`` when the file as a whole is unreadable."""

    def estimate_rows(self, path: Path) -> int | None:
        """Rough number of records, for a progress bar; None when it cannot be told cheaply."""
        return None


_REGISTRY: dict[str, type[Importer]] = {}


def register(cls: type[Importer]) -> type[Importer]:
    """Class decorator adding an importer to the registry under its ``name``."""
    if cls.name in _REGISTRY and _REGISTRY[cls.name] is not cls:
        raise ValueError(f"importer name {cls.name!r} registered twice")
    _REGISTRY[cls.name] = cls
    return cls


def registered() -> dict[str, type[Importer]]:
    """All importers by name (importing ``importers`` loads every built-in plugin)."""
    return dict(_REGISTRY)


def get(name: str) -> type[Importer]:
    try:
        return _REGISTRY[name]
    except KeyError:
        known = ", ".join(sorted(_REGISTRY)) or "none"
        raise KeyError(f"no importer called {name!r} (known: {known})") from None


def detect(path: Path) -> type[Importer] | None:
    """The first registered importer that recognises the file, or None."""
    for cls in _REGISTRY.values():
        try:
            if cls.can_read(path):
                return cls
        except OSError:
            return None
    return None
