"""``chronology audit-store``: run every pattern for every child and keep the flags for the audit panel.

The panel reads what this stores (chronology/analysis/flag_store.py) instead of running the rules
for a whole authority on each page. Children are shared in partitions among worker processes, or a
Dask cluster's workers (``--dask-scheduler``), like ``chronology link``; each child is stored in its own short transaction. It is not needed after
imports: every import and identity decision brings the children it touched up to date itself
(chronology/analysis/refresh.py). This command rebuilds everyone's, after a change of
config/patterns.toml for instance.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable

import click
from sqlalchemy import Engine

from chronology import settings
from chronology.analysis import parallel
from chronology.analysis.flag_store import assess, forget_others, write_assessments
from chronology.analysis.graph_store import stored_graphs
from chronology.analysis.links import build_links
from chronology.analysis.load import iter_child_ids, load_children_facts
from chronology.analysis.pattern_settings import load_pattern_settings
from chronology.analysis.refresh import WRITE_GROUP
from commands.link import DASK_HELP, worker_engine
from commands.store import open_store


def store_children(engine: Engine, child_ids: Iterable[int]) -> tuple[int, int]:
    """Store each child's flags and profile, assessed outside any write and written ``WRITE_GROUP``
    children at a time in one short transaction; returns (children, flags)."""
    pattern_settings = load_pattern_settings()
    ids = list(child_ids)
    flags = 0
    for start in range(0, len(ids), WRITE_GROUP):
        with engine.connect() as conn:
            children = load_children_facts(conn, ids[start : start + WRITE_GROUP])
            stored = stored_graphs(conn, children)
        assessed = []
        for child in children:
            graph = stored[child.person_id] or build_links(child)
            child.links, child.clusters, child.episodes = graph.links, graph.clusters, graph.episodes
            child.unmatched = graph.unmatched
            found, profile = assess(child, pattern_settings)
            assessed.append((child, found, profile))
            flags += len(found)
        with engine.begin() as conn:
            write_assessments(conn, assessed)
    return len(ids), flags


def _store_part(url: str, child_ids: list[int]) -> tuple[int, int]:
    """One partition, in a pool or Dask worker, on its own connection."""
    with parallel.opened(url) as engine:
        return store_children(engine, child_ids)


def run_audit_store(
    url: str, *, workers: int, dask_scheduler: str | None = None, partition: int | None = None
) -> tuple[int, int, int]:
    """Every child stored; snapshots of children merged away are dropped. Returns (children, flags, dropped).

    The children go in partitions of ``partition`` to ``workers`` processes or the Dask cluster named."""
    if dask_scheduler:
        parallel.check_cluster_url(url)
    engine = worker_engine(url)
    with engine.connect() as conn:
        child_ids = list(iter_child_ids(conn))
    engine.dispose()
    children = flags = 0
    parts = parallel.partitions(child_ids, partition)
    for done, (part_children, part_flags) in enumerate(
        parallel.share(_store_part, url, parts, workers=workers, dask_scheduler=dask_scheduler), 1
    ):
        children += part_children
        flags += part_flags
        if done % 20 == 0:
            click.echo(f"  {children} of {len(child_ids)} children audited", err=True)
    with engine.begin() as conn:
        dropped = forget_others(conn, set(child_ids))
    engine.dispose()
    return children, flags, dropped


@click.command("audit-store")
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=lambda: os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="Worker processes sharing the children.",
)
@click.option("--dask-scheduler", "dask_scheduler", metavar="ADDRESS", help=DASK_HELP)
def audit_store_command(workers: int, dask_scheduler: str | None) -> None:
    """Run every audit pattern for every child and store the flags the web audit panel shows."""
    url = settings.database_url()
    try:
        if dask_scheduler:
            parallel.check_cluster_url(url)
        open_store(url).dispose()
        started = time.perf_counter()
        children, flags, dropped = run_audit_store(url, workers=workers, dask_scheduler=dask_scheduler)
    except parallel.ParallelError as exc:
        raise click.UsageError(str(exc)) from None
    click.echo(
        f"stored {flags} flags for {children} children in {time.perf_counter() - started:.1f}s"
        + (f"; dropped {dropped} children merged into others" if dropped else "")
    )
