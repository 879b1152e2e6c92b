"""``chronology link``: build (or bring up to date) every child's link graph, one child at a time.

Each child is read, linked and saved in its own transaction, so memory stays that of one child and
the children are shared among worker processes. A child whose events, people and link settings are
unchanged since the last run is skipped; a changed one has only its differences written, so running
the command twice changes nothing the second time.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field

import click
from sqlalchemy import Engine, event

from chronology import settings
from chronology.analysis.graph_store import forget_children, save_graph, stored_graph
from chronology.analysis.links import build_links
from chronology.analysis.load import iter_child_ids, load_child_facts
from chronology.db.engine import make_engine
from commands.store import open_store

BATCH = 50  # children handed to a worker at a time
SQLITE_BUSY_MS = 120_000  # workers writing to one SQLite file wait for each other's short commits


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

    def add(self, other: LinkTally) -> None:
        for name in ("children", "changed", "unchanged", "events", "links", "clusters", "episodes"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.seconds += other.seconds


def link_children(engine: Engine, child_ids: Iterable[int]) -> LinkTally:
    """Build and save the graph of each child, each in its own transaction."""
    tally = LinkTally()
    for child_id in child_ids:
        started = time.perf_counter()
        with engine.begin() as conn:
            child = load_child_facts(conn, child_id, links=False)
            current = stored_graph(conn, child)
            if current is not None:
                graph, changed = current, False
            else:
                graph = build_links(child)
                changed = save_graph(conn, child, graph)
        tally.children += 1
        tally.changed += changed
        tally.unchanged += not changed
        tally.events += len(child.facts)
        tally.links += len(graph.links)
        tally.clusters += len(set(graph.clusters.values()))
        tally.episodes += len(set(graph.episodes.values()))
        tally.seconds.append(time.perf_counter() - started)
    return tally


_worker_engine: Engine | None = None


def _start_worker(url: str) -> None:
    global _worker_engine
    _worker_engine = worker_engine(url)


def worker_engine(url: str) -> Engine:
    """An engine for one process; on SQLite it waits for other writers instead of failing."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _busy_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")

    return engine


def _link_batch(child_ids: list[int]) -> LinkTally:
    assert _worker_engine is not None
    return link_children(_worker_engine, child_ids)


def _batches(ids: list[int], size: int) -> Iterator[list[int]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def run_link(url: str, *, child_ids: list[int] | None, workers: int, progress: bool = False) -> LinkTally:
    """Link the given children (default: every child, and forget graphs of children merged away)."""
    engine = worker_engine(url)
    everyone = child_ids is None
    if child_ids is None:
        with engine.connect() as conn:
            child_ids = list(iter_child_ids(conn))
    tally = LinkTally()
    if workers <= 1 or len(child_ids) <= BATCH:
        tally = link_children(engine, child_ids)
    else:
        engine.dispose()
        with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(url,)) as pool:
            for done, part in enumerate(pool.map(_link_batch, _batches(child_ids, BATCH)), 1):
                tally.add(part)
                if progress and done % 20 == 0:
                    click.echo(f"  {tally.children} of {len(child_ids)} children linked", err=True)
    if everyone:
        with engine.begin() as conn:
            forget_children(conn, set(child_ids))
    engine.dispose()
    return tally


@click.command("link")
@click.option("--child", "child", help="Only this child (LA child ID, NHS number or UPN).")
@click.option(
    "--workers",
    type=click.IntRange(1),
    default=lambda: os.cpu_count() or 1,
    show_default="the number of CPUs",
    help="Worker processes sharing the children.",
)
def link_command(child: str | None, workers: int) -> None:
    """Build the link graph (incident clusters, episodes, explained links) for every child."""
    from chronology.record import find_child

    url = settings.database_url()
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
    tally = run_link(url, child_ids=ids, workers=workers, progress=True)
    took = time.perf_counter() - started
    click.echo(
        f"linked {tally.children} children ({tally.events} events) in {took:.1f}s: "
        f"{tally.changed} updated, {tally.unchanged} unchanged; "
        f"{tally.links} links, {tally.clusters} incident clusters, {tally.episodes} episodes"
    )

