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

    @classmethod
    def refusal(cls, path: Path) -> str | None:
        """Why this importer does not take a file it does not recognise, when the file looks like its
        format (FHIR as XML, a 903 table it does not read): the format it looks like, what is unsupported
        and what to do. None when the file is nothing like this format."""
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


def nearest_refusal(path: Path) -> str:
    """For a file no importer recognises: the reason of the importer whose format it looks like, else
    what the file is and the formats that are read, so auto-detection says as much as ``--format``."""
    for cls in _REGISTRY.values():
        try:
            reason = cls.refusal(path)
        except OSError as exc:
            return f"{path.name} cannot be read: {exc.strerror or exc}"
        if reason:
            return reason
    kind = f"a {path.suffix.lower()} file" if path.suffix else "a file with no extension"
    known = ", ".join(sorted(_REGISTRY))
    return (
        f"{path.name} ({kind}) looks like none of the formats read ({known}): check it is the agency's "
        "export, or name its format with --format to see exactly what does not fit"
    )


def detect(path: Path) -> type[Importer] | None:
    """The first registered importer that recognises the file, or None."""
    for cls in _REGISTRY.values():
        try:
            if cls.can_read(path):
                return cls
        except OSError:
            return None
    return None
