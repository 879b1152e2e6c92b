"""``chronology import``: find an importer for each file, stream it into the store, print the report."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
from sqlalchemy import Engine

import importers
from chronology.ingest import FileInfo, ImportReport, import_items
from importers.base import Importer, ImportOptions

PROGRESS_THRESHOLD = 20_000  # rows: show a progress bar above this estimate


@dataclass(frozen=True, slots=True)
class Planned:
    path: Path
    importer: type[Importer] | None


def expand_paths(paths: list[Path]) -> Iterator[Path]:
    """Files named, and every file under directories named (sorted, hidden files skipped)."""
    for path in paths:
        if path.is_dir():
            for child in sorted(path.rglob("*")):
                if child.is_file() and not any(
                    part.startswith(".") for part in child.relative_to(path).parts
                ):
                    yield child
        else:
            yield path


def plan(paths: list[Path], format_name: str | None) -> list[Planned]:
    forced = importers.get(format_name) if format_name else None
    return [Planned(path, forced or importers.detect(path)) for path in expand_paths(paths)]


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def import_file(
    engine: Engine,
    path: Path,
    importer_cls: type[Importer],
    options: ImportOptions,
    *,
    actor: str,
    show_progress: bool = True,
    covers: tuple | None = None,
) -> ImportReport:
    importer = importer_cls()
    info = FileInfo(
        name=path.name,
        format=importer_cls.name,
        agency=options.agency,
        sha256=sha256_of(path),
        size=path.stat().st_size,
        covers_from=covers[0] if covers else None,
        covers_to=covers[1] if covers else None,
    )
    estimate = importer.estimate_rows(path) if show_progress else None

    def items():  # the importer's stream, opened lazily inside the store's transaction
        yield from importer.read(path, options)

    if estimate and estimate > PROGRESS_THRESHOLD:
        with click.progressbar(length=estimate, label=f"importing {path.name}", file=None) as bar:
            return import_items(engine, items(), info, actor=actor, progress=bar.update)
    return import_items(engine, items(), info, actor=actor)
