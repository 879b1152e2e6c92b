"""Why no importer recognised a file, when the reason is the file itself.

Recognition (``can_read``) is a cheap, silent sniff: a file that is empty, declares XML entities,
is a zip bomb or is not text is simply "not recognised". That hides the one thing a person needs
to know, so for such a file this module names the problem, using the same checks the importers
would make (the safe XML parser, the workbook archive check, the CSV encoding check).
"""

from __future__ import annotations

from pathlib import Path

from chronology.events import ImportFileError
from importers.tabular import CSV_SUFFIXES, XLSX_SUFFIXES, check_archive, check_encoding
from importers.xml_safety import sniff

__all__ = ["refusal"]


def refusal(path: Path, max_bytes: int) -> str | None:
    """The reason this file cannot be imported whatever its format, or None when it may simply be
    a format no importer reads. Never raises for bad content."""
    try:
        size = path.stat().st_size
        with path.open("rb") as handle:
            head = handle.read(64)
    except OSError as exc:
        return f"{path.name} cannot be read: {exc.strerror or exc}"
    if size == 0:
        return f"{path.name} is empty (0 bytes): there is nothing in it to import"
    suffix = path.suffix.lower()
    try:
        if suffix == ".xml" or head.lstrip().startswith(b"<"):
            return sniff(path).refused
        if suffix in XLSX_SUFFIXES:
            check_archive(path, max_bytes)
        elif suffix in CSV_SUFFIXES:
            check_encoding(path)
    except ImportFileError as exc:
        return str(exc)
    return None
