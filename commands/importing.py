"""``chronology import``'s shell over :mod:`services.importing`: the same pipeline as the web, plus a
progress bar on the terminal for large files."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine

from chronology.ingest import ImportReport
from importers.base import Importer, ImportOptions
from services import importing as pipeline
from services.importing import Planned, expand_paths, plan, sha256_of

__all__ = ["PROGRESS_THRESHOLD", "Planned", "expand_paths", "import_file", "plan", "sha256_of"]

PROGRESS_THRESHOLD = 20_000  # rows: show a progress bar above this estimate


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
    """Import one file as :func:`services.importing.import_file` does, with a bar when it is large."""
    estimate = importer_cls().estimate_rows(path) if show_progress else None
    if estimate and estimate > PROGRESS_THRESHOLD:
        with click.progressbar(length=estimate, label=f"importing {path.name}", file=None) as bar:
            return pipeline.import_file(
                engine, path, importer_cls, options, actor=actor, covers=covers, progress=bar.update
            )
    return pipeline.import_file(engine, path, importer_cls, options, actor=actor, covers=covers)
