"""Which importer reads which file, and one file streamed into the store: the pipeline that
``chronology import`` and the web's upload page both run, so the two cannot drift apart."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, text

import importers
from chronology.analysis.graph_store import unmatched_references_of_batch
from chronology.analysis.refresh import RefreshTally, refresh_queued
from chronology.import_lock import writing_alone
from chronology.ingest import FileInfo, ImportReport, import_items
from importers.base import Importer, ImportOptions
from importers.refusals import refusal

__all__ = [
    "ImportOptions",
    "Importer",
    "Planned",
    "RefreshTally",
    "bring_up_to_date",
    "expand_paths",
    "formats",
    "import_file",
    "importer_for",
    "plan",
    "refusal",
    "refusal_of",
    "sha256_of",
]


@dataclass(frozen=True, slots=True)
class Planned:
    path: Path
    importer: type[Importer] | None
    refusal: str | None = None  # for a file no importer recognises: the nearest importer's reason
    refused: str | None = None  # when no importer: what is wrong with the file itself, if anything


def formats() -> dict[str, type[Importer]]:
    """Every registered importer by name (what a person may choose instead of recognition)."""
    return importers.registered()


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


def importer_for(path: Path, format_name: str | None) -> type[Importer] | None:
    """The importer named, else the one that recognises the file, else None (KeyError for an unknown name)."""
    return importers.get(format_name) if format_name else importers.detect(path)


def plan(paths: list[Path], format_name: str | None, max_bytes: int = ImportOptions.max_bytes) -> list[Planned]:
    """The importer for every file (an unknown format name fails before any file is looked at);
    for a file none recognises, the reason when it is the file itself (empty, unsafe, not text)."""
    forced = importers.get(format_name) if format_name else None
    planned = []
    for path in expand_paths(paths):
        importer = forced or importers.detect(path)
        refused = None if importer else refusal(path, max_bytes)
        nearest = None if importer or refused else importers.nearest_refusal(path)
        planned.append(Planned(path, importer, nearest, refused))
    return planned


def refusal_of(path: Path) -> str:
    """Why no importer recognises the file (the nearest importer's reason)."""
    return importers.nearest_refusal(path)


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
    covers: tuple | None = None,
    progress: Callable[[int], None] | None = None,
    refresh: bool = True,
) -> ImportReport:
    """Stream one file through its importer into the store in one transaction and return the report.

    With ``refresh`` (the default) the analysis of every child the file touched is brought up to date
    before this returns; a caller importing several files passes False and calls
    ``bring_up_to_date`` once after the last.
    """
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

    def items():  # the importer's stream, opened lazily inside the store's transaction
        yield from importer.read(path, options)

    report = import_items(engine, items(), info, actor=actor, progress=progress)
    if refresh:
        bring_up_to_date(engine, [report])
    return report


ANALYZE_AFTER_EVENTS = 10_000  # events imported: above this, PostgreSQL's planner statistics are refreshed
ANALYSED_TABLES = ("events", "persons", "person_identifiers", "relationships", "event_groups", "event_links")


def refresh_statistics(engine: Engine) -> None:
    """After a large import, PostgreSQL's planner may still think the tables are as small as before
    (autovacuum has not caught up), and pick full scans for every child read; ANALYZE first."""
    if engine.dialect.name != "postgresql":
        return
    with engine.begin() as conn:
        conn.execute(text(f"ANALYZE {', '.join(ANALYSED_TABLES)}"))


def bring_up_to_date(
    engine: Engine, reports: list[ImportReport], progress: Callable[[int, int], None] | None = None
) -> RefreshTally:
    """Rebuild the link graph and audit flags of every child the imports touched (and anything left
    queued by an earlier run), then count each file's references that match no police occurrence."""
    if sum(r.events_imported for r in reports) >= ANALYZE_AFTER_EVENTS:
        refresh_statistics(engine)
    # On SQLite, waits for another import's transaction rather than meeting "database is locked".
    # When nothing was imported here (a refused copy) it does not wait: whoever holds the writer is
    # an import whose own refresh will take whatever is queued.
    imported = any(r.status == "completed" for r in reports)
    with writing_alone(engine, "the analysis refresh", "an import", wait=imported) as turn:
        tally = refresh_queued(engine, progress=progress) if turn else RefreshTally()
    with engine.connect() as conn:
        for report in reports:
            if report.batch_id is not None and report.status == "completed":
                report.references_unmatched = sum(
                    len(refs) for _, refs in unmatched_references_of_batch(conn, report.batch_id)
                )
    return tally
