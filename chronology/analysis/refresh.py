"""Derived analysis that is never stale: after every change to who a child is or what is known of
them, that child's link graph and audit flags are rebuilt before anyone reads them.

Whatever changes a child's record (an import, a merge made by an import or confirmed by a person,
a rejected suggestion, an undone merge) puts the persons it touched in ``analysis_queue``, in the
same transaction as the change. ``refresh_queued`` then rebuilds, for each child those persons
belong to, the link graph (incident clusters, episodes, unmatched references; only differences are
written) and the stored audit flags, each child in its own short transaction. The queue survives a
run that stops part way: the next import, decision or panel view finishes it. ``chronology link``
and ``chronology audit-store`` stay as the tools that rebuild everyone.

When many children wait (``config/parallel.toml``), they are shared in partitions among a process
pool sized to the machine, or sent to the Dask cluster ``CHRONOLOGY_DASK_SCHEDULER`` names
(chronology/analysis/parallel.py); each partition opens its own connection.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Connection, Engine, delete, func, select

from chronology.analysis import parallel
from chronology.analysis.facts import ChildFacts, Flag
from chronology.analysis.flag_store import assess, forget_snapshots, store_child, write_assessments
from chronology.analysis.graph_store import (
    forget_graphs,
    save_graph,
    save_graphs,
    stored_graph,
    stored_graphs,
)
from chronology.analysis.links import LinkGraph, build_links
from chronology.analysis.load import load_child_facts, load_children_facts
from chronology.analysis.pattern_settings import PatternSettings, load_pattern_settings
from chronology.db.chunks import chunks
from chronology.db.models import AnalysisQueue, AuditSnapshot, LinkRun, Person, Relationship
from chronology.people import group_members, roots_of

queue_t = AnalysisQueue.__table__
persons_t = Person.__table__
relationships_t = Relationship.__table__
runs_t = LinkRun.__table__
snapshots_t = AuditSnapshot.__table__
# children written in one transaction by a refresh: few enough that SQLite's write lock is held for
# milliseconds, enough that the writes are a few statements for many children
WRITE_GROUP = 50


@dataclass(slots=True)
class RefreshTally:
    """What one refresh did."""

    queued: int = 0  # persons taken from the queue
    children: int = 0  # children whose analysis was rebuilt
    graphs_changed: int = 0
    flags: int = 0
    forgotten: int = 0  # stored analysis dropped for records that are no longer a child of their own
    seconds: float = 0.0
    per_child: list[float] = field(default_factory=list)
    processes: set[int] = field(default_factory=set)  # ids of the processes that did the children

    def add(self, part: RefreshTally) -> None:
        """Count a partition's work in."""
        self.children += part.children
        self.graphs_changed += part.graphs_changed
        self.flags += part.flags
        self.per_child += part.per_child
        self.processes |= part.processes


def _in_chunks(conn: Connection, column, ids: list[int], *selected) -> list:  # type: ignore[no-untyped-def]
    """Rows of ``select(*selected)`` where ``column`` is one of ``ids``, asked in chunks."""
    rows: list = []
    for part in chunks(ids):
        rows.extend(conn.execute(select(*selected).where(column.in_(part))))
    return rows


def children_of(conn: Connection, person_ids: Iterable[int]) -> tuple[set[int], set[int]]:
    """(children to rebuild, records to forget) for queued persons.

    A queued person's group root is rebuilt when it is a child; an adult's children (by the
    relationships recorded) are rebuilt instead. A queued record that is no longer a root but had
    stored analysis of its own (merged into another child since) is forgotten.
    """
    ids = sorted(set(person_ids))
    roots = roots_of(conn, ids)
    root_ids = sorted(set(roots.values()))
    is_child = {
        int(pid): bool(child)
        for pid, child in _in_chunks(conn, persons_t.c.id, root_ids, persons_t.c.id, persons_t.c.is_child)
    }
    children = {root for root in root_ids if is_child.get(root)}
    adults = [root for root in root_ids if not is_child.get(root)]
    members = sorted({m for adult in adults for m in group_members(conn, adult)})
    related = {
        int(c) for (c,) in _in_chunks(conn, relationships_t.c.person_id, members, relationships_t.c.child_id)
    }
    children.update(roots_of(conn, sorted(related)).values())
    not_roots = [p for p in ids if roots.get(p, p) != p]
    stored = {int(c) for (c,) in _in_chunks(conn, runs_t.c.child_id, not_roots, runs_t.c.child_id)}
    stored |= {int(c) for (c,) in _in_chunks(conn, snapshots_t.c.child_id, not_roots, snapshots_t.c.child_id)}
    return children, stored


def refresh_child(
    conn: Connection, child_id: int, settings: PatternSettings | None = None
) -> tuple[bool, int]:
    """Rebuild one child's graph (only differences written) and stored flags: (graph changed, flags)."""
    child = load_child_facts(conn, child_id, links=False)
    graph = stored_graph(conn, child)
    changed = False
    if graph is None:
        graph = build_links(child)
        changed = save_graph(conn, child, graph)
    child.links, child.clusters, child.episodes = graph.links, graph.clusters, graph.episodes
    child.unmatched = graph.unmatched
    return changed, len(store_child(conn, child, settings))


@dataclass(slots=True)
class _Computed:
    """One child's graph and flags, computed and waiting to be written."""

    child: ChildFacts
    graph: LinkGraph
    fresh: bool  # the stored graph was out of date, so this one is saved
    flags: list[Flag]
    profile: dict[str, Any]
    seconds: float


def _compute(engine: Engine, child_id: int, settings: PatternSettings | None) -> _Computed:
    """Read the child and compute its graph and flags, outside any write transaction."""
    (computed,) = _compute_group(engine, [child_id], settings)
    return computed


def _compute_group(
    engine: Engine, child_ids: Sequence[int], settings: PatternSettings | None
) -> list[_Computed]:
    """Read these children together (a few queries for the group), then compute each one's graph and
    flags, outside any write transaction."""
    began = time.perf_counter()
    with engine.connect() as conn:
        children = load_children_facts(conn, child_ids)
        stored = stored_graphs(conn, children)
    read = (time.perf_counter() - began) / max(len(children), 1)
    computed = []
    for child in children:
        began = time.perf_counter()
        graph = stored[child.person_id]
        fresh = graph is None
        if graph is None:
            graph = build_links(child)
        child.links, child.clusters, child.episodes = graph.links, graph.clusters, graph.episodes
        child.unmatched = graph.unmatched
        flags, profile = assess(child, settings)
        computed.append(_Computed(child, graph, fresh, flags, profile, read + time.perf_counter() - began))
    return computed


def _write(engine: Engine, computed: list[_Computed]) -> list[bool]:
    """Write computed children in one short transaction: whether each one's graph changed."""
    with engine.begin() as conn:
        fresh = [c for c in computed if c.fresh]
        saved = dict(
            zip((id(c) for c in fresh), save_graphs(conn, [(c.child, c.graph) for c in fresh]), strict=True)
        )
        write_assessments(conn, [(c.child, c.flags, c.profile) for c in computed])
    return [saved.get(id(c), False) for c in computed]


def refresh_one(engine: Engine, child_id: int, settings: PatternSettings | None = None) -> tuple[bool, int]:
    """``refresh_child`` with everything read and computed before the write transaction begins, so a
    worker holds SQLite's one write lock only while its differences are written."""
    computed = _compute(engine, child_id, settings)
    (changed,) = _write(engine, [computed])
    return changed, len(computed.flags)


def refresh_children(
    engine: Engine, child_ids: Sequence[int], progress: Callable[[int, int], None] | None = None
) -> RefreshTally:
    """Rebuild these children ``WRITE_GROUP`` at a time: a group is read together, each child computed
    on its own, and the group written in one short transaction (a few queries and a transaction per
    child were most of a small child's refresh)."""
    settings = load_pattern_settings()
    tally = RefreshTally(processes={os.getpid()})
    for start in range(0, len(child_ids), WRITE_GROUP):
        computed = _compute_group(engine, child_ids[start : start + WRITE_GROUP], settings)
        began = time.perf_counter()
        changed = _write(engine, computed)
        share = (time.perf_counter() - began) / len(computed)
        for done, was_changed in zip(computed, changed, strict=True):
            tally.children += 1
            tally.graphs_changed += was_changed
            tally.flags += len(done.flags)
            tally.per_child.append(done.seconds + share)
        if progress is not None:  # children whose analysis is written
            progress(tally.children, len(child_ids))
    return tally


def refresh_part(url: str, child_ids: list[int]) -> RefreshTally:
    """One partition, in a pool or Dask worker: its own engine on the shared database."""
    with parallel.opened(url) as engine:
        return refresh_children(engine, child_ids)


def refresh_queued(
    engine: Engine,
    *,
    progress: Callable[[int, int], None] | None = None,
    workers: int | None = None,
    dask_scheduler: str | None = None,
) -> RefreshTally:
    """Bring every queued person's children up to date, then take those persons off the queue.

    ``workers`` None: one process when fewer children wait than ``config/parallel.toml`` says, else
    a pool of one process per CPU (or the Dask cluster of ``dask_scheduler``, by default
    ``CHRONOLOGY_DASK_SCHEDULER``).
    """
    started = time.perf_counter()
    tally = RefreshTally()
    with engine.connect() as conn:
        read_at = conn.execute(select(func.max(queue_t.c.queued_at))).scalar()
        queued = [int(p) for p in conn.execute(select(queue_t.c.person_id)).scalars()]
        if not queued:
            return tally
        children, gone = children_of(conn, queued)
    tally.queued = len(queued)
    if gone:
        with engine.begin() as conn:
            tally.forgotten = forget_graphs(conn, sorted(gone))
            forget_snapshots(conn, sorted(gone))
    ordered = sorted(children)
    many = len(ordered) >= int(parallel.settings()["refresh"]["pool_from_children"])
    if workers is None:
        workers = parallel.machine_workers() if many else 1
    if dask_scheduler is None and many:
        dask_scheduler = settings_dask_scheduler()
    url = parallel.url_of(engine)
    if (workers > 1 or dask_scheduler) and parallel.is_shareable(url):
        engine.dispose()  # the workers open their own connections; none of this process's is shared
        parts = parallel.partitions(ordered)
        for part in parallel.share(refresh_part, url, parts, workers=workers, dask_scheduler=dask_scheduler):
            tally.add(part)
            if progress is not None:
                progress(tally.children, len(ordered))
    else:
        tally.add(refresh_children(engine, ordered, progress))
    with engine.begin() as conn:  # what was queued again since the refresh began stays for the next
        for part in chunks(queued):
            conn.execute(delete(queue_t).where(queue_t.c.person_id.in_(part), queue_t.c.queued_at <= read_at))
    tally.seconds = time.perf_counter() - started
    return tally


def settings_dask_scheduler() -> str | None:
    """``CHRONOLOGY_DASK_SCHEDULER``: the Dask cluster that refreshes many children, when set."""
    return os.environ.get("CHRONOLOGY_DASK_SCHEDULER") or None


def refresh_if_waiting(conn: Connection, root: int, members: list[int]) -> bool:
    """Rebuild a child about to be read whose own records still wait in the queue, and take those
    records off it (each later read would rebuild them again until the next refresh otherwise);
    whether it was rebuilt. Queued adults stay queued: their other children still wait."""
    persons = sorted({root, *members})
    waiting = _in_chunks(conn, queue_t.c.person_id, persons, queue_t.c.person_id, queue_t.c.queued_at)
    if not waiting:
        return False
    refresh_child(conn, root)
    latest = max(queued_at for _, queued_at in waiting)
    for part in chunks(persons):
        conn.execute(delete(queue_t).where(queue_t.c.person_id.in_(part), queue_t.c.queued_at <= latest))
    return True
