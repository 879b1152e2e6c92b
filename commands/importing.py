"""``chronology import``'s shell over :mod:`services.importing`: the same pipeline as the web, plus a
progress bar on the terminal for large files."""

from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import Engine

from chronology.analysis_queue import queue_size
from chronology.ingest import ImportReport
from importers.base import Importer, ImportOptions
from services import importing as pipeline
from services.importing import Planned, expand_paths, plan, sha256_of

__all__ = [
    "PROGRESS_THRESHOLD",
    "Planned",
    "bring_up_to_date",
    "expand_paths",
    "import_file",
    "plan",
    "sha256_of",
]

PROGRESS_THRESHOLD = 20_000  # rows: show a progress bar above this estimate
REFRESH_PROGRESS_THRESHOLD = 200  # persons queued: show a progress bar for the refresh above this


def import_file(
    engine: Engine,
    path: Path,
    importer_cls: type[Importer],
    options: ImportOptions,
    *,
    actor: str,
    show_progress: bool = True,
    covers: tuple | None = None,
    refresh: bool = True,
) -> ImportReport:
    """Import one file as :func:`services.importing.import_file` does, with a bar when it is large."""
    estimate = importer_cls().estimate_rows(path) if show_progress else None
    if estimate and estimate > PROGRESS_THRESHOLD:
        with click.progressbar(length=estimate, label=f"importing {path.name}", file=None) as bar:
            return pipeline.import_file(
                engine,
                path,
                importer_cls,
                options,
                actor=actor,
                covers=covers,
                progress=bar.update,
                refresh=refresh,
            )
    return pipeline.import_file(engine, path, importer_cls, options, actor=actor, covers=covers, refresh=refresh)


def bring_up_to_date(engine: Engine, reports: list[ImportReport], *, show_progress: bool = True) -> None:
    """Rebuild the analysis of the children the imports touched, with a bar when there are many,
    and say what was done (and each file's references that match no police occurrence)."""
    with engine.connect() as conn:
        waiting = queue_size(conn)
    if not waiting:
        return
    if show_progress and waiting > REFRESH_PROGRESS_THRESHOLD:
        with click.progressbar(length=1, label="bringing links and audit flags up to date", file=None) as bar:

            shown = [0]

            def step(done: int, total: int) -> None:  # called per child, or per partition of a pool
                bar.length = total
                bar.update(done - shown[0])
                shown[0] = done

            tally = pipeline.bring_up_to_date(engine, reports, progress=step)
    else:
        tally = pipeline.bring_up_to_date(engine, reports)
    click.echo(
        f"links and audit flags brought up to date for {tally.children} children "
        f"({tally.graphs_changed} link graphs changed, {tally.flags} flags) in {tally.seconds:.1f}s"
    )
    for report in reports:
        if report.references_unmatched:
            click.echo(
                f"  {report.file_name}: {report.references_unmatched} quoted police references match no "
                f"police occurrence of the child, kept on the event and not linked: the occurrence may be "
                f"another child's, not imported yet, or on a record of the child still to be joined "
                f"(`chronology people suggestions`)"
            )
