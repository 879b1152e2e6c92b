"""``chronology link``: build (or bring up to date) every child's link graph, one child at a time.

Each child is read, linked and saved in its own transaction, so memory stays that of one child and
the children are shared in partitions among worker processes, or among a Dask cluster's workers
against a shared PostgreSQL (``--dask-scheduler``; chronology/analysis/parallel.py). A child whose
events, people and link settings are unchanged since the last run is skipped; a changed one has only
its differences written, so running the command twice changes nothing the second time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from dataclasses import dataclass, field

import click
from sqlalchemy import Engine

from chronology import settings
from chronology.analysis import parallel
from chronology.analysis.facts import ChildFacts
from chronology.analysis.graph_store import forget_children, save_graphs, stored_graphs
from chronology.analysis.links import LinkGraph, build_links
from chronology.analysis.load import iter_child_ids, load_children_facts
from chronology.analysis.refresh import WRITE_GROUP
from chronology.db.engine import make_engine
from commands.store import open_store

worker_engine = parallel.worker_engine  # an engine that waits for SQLite's other writers (commands.audit)


@dataclass(slots=True)
class LinkTally:
    """What a run did, added up over children (and over workers)."""

    children: int = 0
    changed: int = 0
    unchanged: int = 0
    events: int = 0
    links: int = 0
    clusters: int = 0
    episodes: int = 0
    seconds: list[float] = field(default_factory=list)  # per child
    processes: set[int] = field(default_factory=set)  # ids of the processes that linked them

    def add(self, other: LinkTally) -> None:
        for name in ("children", "changed", "unchanged", "events", "links", "clusters", "episodes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds
        self.processes |= other.processes


def link_children(engine: Engine, child_ids: Iterable[int]) -> LinkTally:
    """Build the graph of each child (read and computed outside any write), and save the graphs that
    changed ``WRITE_GROUP`` children at a time in one short transaction."""
    tally = LinkTally(processes={os.getpid()})
    ids = list(child_ids)
    for start in range(0, len(ids), WRITE_GROUP):
        built: list[tuple[ChildFacts, LinkGraph, float]] = []
        unchanged: list[tuple[ChildFacts, LinkGraph, float]] = []
        began = time.perf_counter()
        with engine.connect() as conn:
            children = load_children_facts(conn, ids[start : start + WRITE_GROUP])
            stored = stored_graphs(conn, children)
        read = (time.perf_counter() - began) / max(len(children), 1)
        for child in children:
            began = time.perf_counter()
            current = stored[child.person_id]
            if current is None:
                built.append((child, build_links(child), read + time.perf_counter() - began))
            else:
                unchanged.append((child, current, read))
        began = time.perf_counter()
        with engine.begin() as conn:
            changed = save_graphs(conn, [(child, graph) for child, graph, _ in built])
        share = (time.perf_counter() - began) / max(len(built), 1)
        for (child, graph, seconds), was_changed in [
            *zip(built, changed, strict=True),
            *((u, False) for u in unchanged),
        ]:
            tally.children += 1
            tally.changed += was_changed
            tally.unchanged += not was_changed
            tally.events += len(child.facts)
            tally.links += len(graph.links)
            tally.clusters += len(set(graph.clusters.values()))
            tally.episodes += len(set(graph.episodes.values()))
            tally.seconds.append(seconds + (share if was_changed else 0.0))
    return tally


def _link_part(url: str, child_ids: list[int]) -> LinkTally:
    """One partition, in a pool or Dask worker, on its own connection."""
    with parallel.opened(url) as engine:
        return link_children(engine, child_ids)


def run_link(
    url: str,
    *,
    child_ids: list[int] | None,
    workers: int,
    progress: bool = False,
    dask_scheduler: str | None = None,
    partition: int | None = None,
) -> LinkTally:
    """Link the given children (default: every child, and forget graphs of children merged away),
    in partitions of ``partition`` children over ``workers`` processes or the Dask cluster named."""
    if dask_scheduler:
        parallel.check_cluster_url(url)
    engine = worker_engine(url)
    everyone = child_ids is None
    if child_ids is None:
        with engine.connect() as conn:
            child_ids = list(iter_child_ids(conn))
    engine.dispose()
    tally = LinkTally()
    parts = parallel.partitions(child_ids, partition)
    for done, part in enumerate(
        parallel.share(_link_part, url, parts, workers=workers, dask_scheduler=dask_scheduler), 1
    ):
        tally.add(part)
        if progress and done % 20 == 0:
            click.echo(f"  {tally.children} of {len(child_ids)} children linked", err=True)
    if everyone:
        with engine.begin() as conn:
            forget_children(conn, set(child_ids))
    engine.dispose()
    return tally


DASK_HELP = (
    "Send the partitions of children to this Dask distributed scheduler (tcp://HOST:PORT) instead of "
    "local processes; the database must be one every worker reaches (PostgreSQL)."
)


@click.command("link")
@click.option("--child", "child", help="Only this child (LA child ID, NHS number or UPN).")
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=lambda: os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="Worker processes sharing the children.",
)
@click.option("--dask-scheduler", "dask_scheduler", metavar="ADDRESS", help=DASK_HELP)
def link_command(child: str | None, workers: int, dask_scheduler: str | None) -> None:
    """Build the link graph (incident clusters, episodes, explained links) for every child."""
    from chronology.record import find_child

    url = settings.database_url()
    if dask_scheduler:
        try:
            parallel.check_cluster_url(url)
        except parallel.ParallelError as exc:
            raise click.UsageError(str(exc)) from None
    open_store(url).dispose()
    ids: list[int] | None = None
    if child is not None:
        engine = make_engine(url)
        with engine.connect() as conn:
            found = find_child(conn, child)
        engine.dispose()
        if found is None:
            raise click.ClickException(f"no child with LA child ID, NHS number or UPN {child!r}")
        ids = [found]
    started = time.perf_counter()
    try:
        tally = run_link(url, child_ids=ids, workers=workers, progress=True, dask_scheduler=dask_scheduler)
    except parallel.ParallelError as exc:
        raise click.UsageError(str(exc)) from None
    took = time.perf_counter() - started
    click.echo(
        f"linked {tally.children} children ({tally.events} events) in {took:.1f}s: "
        f"{tally.changed} updated, {tally.unchanged} unchanged; "
        f"{tally.links} links, {tally.clusters} incident clusters, {tally.episodes} episodes"
    )
