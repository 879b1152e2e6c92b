"""The link graph kept in the store: read when current, rewritten only where it changed.

A child's graph is current when its ``link_runs`` fingerprint matches a digest of what the graph is
built from (the child's events, the people named on them, and ``config/links.toml``). Saving
compares the new graph with the stored rows and writes only the differences, so rebuilding an
unchanged child changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from chronology.analysis.facts import ChildFacts, Link
from chronology.analysis.links import LinkGraph, settings
from chronology.db.chunks import chunks as _chunks
from chronology.db.models import Event, EventGroup, EventLink, LinkRun, utcnow

runs_t = LinkRun.__table__
links_t = EventLink.__table__
groups_t = EventGroup.__table__
events_t = Event.__table__


# Bumped when what the graph is built from changes shape, so every stored graph is rebuilt once.
GRAPH_VERSION = 2


def fingerprint(child: ChildFacts) -> str:
    """Digest of every input of the graph: each event's date, type, people, references, referring
    agency, encounter, themes and labels, and the link settings."""
    digest = hashlib.sha256(f"v{GRAPH_VERSION}".encode())
    digest.update(json.dumps(settings(), sort_keys=True, default=str).encode())
    for fact in sorted(child.facts, key=lambda f: f.id):
        people = ",".join(f"{p.person_id}:{p.role}" for p in fact.persons)
        refs = ",".join(sorted(f"{r.kind}:{r.own}:{r.token}" for r in fact.references))
        digest.update(
            f"{fact.id}|{fact.day}|{fact.time}|{fact.event_type}|{people}|{refs}|{fact.referring_agency}|"
            f"{fact.encounter}|{sorted(fact.themes)}|{sorted(fact.labels)}|{fact.categories}\n".encode()
        )
    return digest.hexdigest()


def stored_graph(conn: Connection, child: ChildFacts) -> LinkGraph | None:
    """The stored graph of this child, or None when it was never built or its inputs have changed."""
    return stored_graphs(conn, [child])[child.person_id]


def stored_graphs(conn: Connection, children: Sequence[ChildFacts]) -> dict[int, LinkGraph | None]:
    """``stored_graph`` of several children (by child id), read together."""
    ids = [child.person_id for child in children]
    stored = {
        int(child_id): digest
        for child_id, digest in _rows_in(
            conn, select(runs_t.c.child_id, runs_t.c.fingerprint), runs_t.c.child_id, ids
        )
    }
    current = [child.person_id for child in children if stored.get(child.person_id) == fingerprint(child)]
    graphs: dict[int, LinkGraph | None] = dict.fromkeys(ids)
    if not current:
        return graphs
    for child_id in current:
        graphs[child_id] = LinkGraph()
    links = select(
        links_t.c.id,
        links_t.c.child_id,
        links_t.c.event_a_id,
        links_t.c.event_b_id,
        links_t.c.kind,
        links_t.c.reason,
    )
    for row in sorted(
        _rows_in(conn, links, links_t.c.child_id, current),
        key=lambda r: (r.child_id, r.event_a_id, r.event_b_id, r.id),
    ):
        graph = graphs[int(row.child_id)]
        assert graph is not None
        graph.links.append(Link(int(row.event_a_id), int(row.event_b_id), row.kind, row.reason))
    groups = select(
        groups_t.c.child_id,
        groups_t.c.event_id,
        groups_t.c.incident_cluster,
        groups_t.c.episode,
        groups_t.c.unmatched_refs,
    )
    for child_id, event_id, cluster, episode, unmatched in _rows_in(
        conn, groups, groups_t.c.child_id, current
    ):
        graph = graphs[int(child_id)]
        assert graph is not None
        if cluster:
            graph.clusters[int(event_id)] = cluster
        if episode:
            graph.episodes[int(event_id)] = episode
        if unmatched:
            graph.unmatched[int(event_id)] = tuple(unmatched)
    return graphs


def save_graph(conn: Connection, child: ChildFacts, graph: LinkGraph) -> bool:
    """Store the child's graph, writing only what differs; True when anything changed."""
    return save_graphs(conn, [(child, graph)])[0]


def save_graphs(conn: Connection, graphs: Sequence[tuple[ChildFacts, LinkGraph]]) -> list[bool]:
    """Store several children's graphs, writing only what differs: whether each changed.

    The stored rows of all of them are read, and their differences written, in a few statements for
    the lot rather than a few per child: refreshing many small children was round trips, not work.
    Children never share an event, so each wanted row is one child's; a stored row whose event moved
    to another child (a merge undone) is stale for both and deleted before its new owner's is inserted.
    """
    if not graphs:
        return []
    child_ids = sorted({child.person_id for child, _ in graphs})
    event_ids = sorted(f.id for child, _ in graphs for f in child.facts)
    runs = {int(row.child_id): row for row in _rows_in(conn, select(runs_t), runs_t.c.child_id, child_ids)}
    links = _Held(
        _rows_in(conn, select(*_HELD_LINK_COLUMNS), links_t.c.event_a_id, event_ids)
        + _rows_in(conn, select(*_HELD_LINK_COLUMNS), links_t.c.child_id, child_ids),
        key=lambda row: row.id,
        event=lambda row: row.event_a_id,
    )
    groups = _Held(
        _rows_in(conn, select(groups_t), groups_t.c.event_id, event_ids)
        + _rows_in(conn, select(groups_t), groups_t.c.child_id, child_ids),
        key=lambda row: row.event_id,
        event=lambda row: row.event_id,
    )
    writes = _Writes()
    changed = [
        _compare(child, graph, runs.get(child.person_id), links, groups, writes) for child, graph in graphs
    ]
    writes.apply(conn)
    return changed


def _rows_in(conn: Connection, query, column, ids: Sequence[int]) -> list:  # type: ignore[no-untyped-def]
    """Rows of ``query`` whose ``column`` is one of ``ids``, asked in chunks."""
    return [row for part in _chunks(sorted(set(ids))) for row in conn.execute(query.where(column.in_(part)))]


class _Held:
    """Stored rows of one graph table, found by event and by owning child."""

    def __init__(self, rows: list, key: Callable, event: Callable) -> None:  # type: ignore[type-arg]
        unique = {key(row): row for row in rows}
        self.key = key
        self.by_event: dict[int, list] = defaultdict(list)
        self.by_child: dict[int, list] = defaultdict(list)
        for row in unique.values():
            self.by_event[int(event(row))].append(row)
            self.by_child[int(row.child_id)].append(row)

    def of(self, child_id: int, event_ids: Iterable[int]) -> list:  # type: ignore[type-arg]
        """What a child's graph is compared with: rows on its events (whoever owns them) and rows it
        owns (whatever events they are on), each once."""
        found = {self.key(row): row for e in event_ids for row in self.by_event.get(e, ())}
        for row in self.by_child.get(child_id, ()):
            found.setdefault(self.key(row), row)
        return list(found.values())


@dataclass(slots=True)
class _Writes:
    """The differences of several children, written in a few statements."""

    stale_links: set[int] = field(default_factory=set)
    new_links: list[dict] = field(default_factory=list)
    stale_groups: set[int] = field(default_factory=set)
    new_groups: list[dict] = field(default_factory=list)
    new_runs: list[dict] = field(default_factory=list)
    run_updates: list[dict] = field(default_factory=list)

    def apply(self, conn: Connection) -> None:
        for ids in _chunks(sorted(self.stale_links)):
            conn.execute(delete(links_t).where(links_t.c.id.in_(ids)))
        for ids in _chunks(sorted(self.stale_groups)):
            conn.execute(delete(groups_t).where(groups_t.c.event_id.in_(ids)))
        if self.new_links:
            conn.execute(insert(links_t), self.new_links)
        if self.new_groups:
            conn.execute(insert(groups_t), self.new_groups)
        if self.new_runs:
            conn.execute(insert(runs_t), self.new_runs)
        if self.run_updates:
            columns = [name for name in self.run_updates[0] if name != "owner"]
            conn.execute(
                update(runs_t)
                .where(runs_t.c.child_id == bindparam("owner"))
                .values({name: bindparam(name) for name in columns}),
                self.run_updates,
            )


def _compare(child: ChildFacts, graph: LinkGraph, run, links: _Held, groups: _Held, writes: _Writes) -> bool:  # type: ignore[no-untyped-def]
    """Add one child's differences to ``writes``; whether its stored graph changes."""
    child_id = child.person_id
    event_ids = sorted(f.id for f in child.facts)
    links_changed = _link_differences(child_id, graph.links, links.of(child_id, event_ids), writes)
    groups_changed = _group_differences(child_id, graph, groups.of(child_id, event_ids), writes)
    digest = fingerprint(child)
    counts = {
        "events": len(event_ids),
        "links": len(graph.links),
        "clusters": len(set(graph.clusters.values())),
        "episodes": len(set(graph.episodes.values())),
    }
    if run is None:
        writes.new_runs.append({"child_id": child_id, "fingerprint": digest, "built_at": utcnow(), **counts})
        return True
    if (
        links_changed
        or groups_changed
        or run.fingerprint != digest
        or any(getattr(run, k) != v for k, v in counts.items())
    ):
        writes.run_updates.append({"owner": child_id, "fingerprint": digest, "built_at": utcnow(), **counts})
        return True
    return False


# What a stored link is compared on when the graph is saved again (by event, then by child).
_HELD_LINK_COLUMNS = (
    links_t.c.id,
    links_t.c.event_a_id,
    links_t.c.event_b_id,
    links_t.c.kind,
    links_t.c.reason,
    links_t.c.child_id,
)


def _link_differences(child_id: int, links: Iterable[Link], rows: list, writes: _Writes) -> bool:  # type: ignore[type-arg]
    wanted = {(link.a, link.b, link.kind): link.reason for link in links}
    held = {
        (int(row.event_a_id), int(row.event_b_id), row.kind): (row.id, row.reason, row.child_id)
        for row in rows
    }
    stale = [
        row_id
        for key, (row_id, reason, owner) in held.items()
        if wanted.get(key) != reason or owner != child_id
    ]
    new = [
        {"child_id": child_id, "event_a_id": a, "event_b_id": b, "kind": kind, "reason": reason}
        for (a, b, kind), reason in wanted.items()
        if (held_row := held.get((a, b, kind))) is None or held_row[1] != reason or held_row[2] != child_id
    ]
    writes.stale_links.update(stale)
    writes.new_links += new
    return bool(stale or new)


def _unmatched(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values else None


def _group_differences(child_id: int, graph: LinkGraph, rows: list, writes: _Writes) -> bool:  # type: ignore[type-arg]
    wanted = {
        event_id: (graph.clusters.get(event_id), graph.episodes.get(event_id), graph.unmatched.get(event_id))
        for event_id in set(graph.clusters) | set(graph.episodes) | set(graph.unmatched)
    }
    held = {
        int(row.event_id): (row.incident_cluster, row.episode, _unmatched(row.unmatched_refs), row.child_id)
        for row in rows
    }
    stale = [
        event_id
        for event_id, (cluster, episode, unmatched, owner) in held.items()
        if wanted.get(event_id) != (cluster, episode, unmatched) or owner != child_id
    ]
    stale_set = set(stale)
    new = [
        {
            "event_id": event_id,
            "child_id": child_id,
            "incident_cluster": cluster,
            "episode": episode,
            "unmatched_refs": list(unmatched) if unmatched else None,
        }
        for event_id, (cluster, episode, unmatched) in sorted(wanted.items())
        if event_id not in held or event_id in stale_set
    ]
    writes.stale_groups.update(stale)
    writes.new_groups += new
    return bool(stale or new)


def forget_children(conn: Connection, keep: set[int]) -> int:
    """Drop stored graphs of children that are no longer a group's root (merged or undone since)."""
    gone = [int(c) for c in conn.execute(select(runs_t.c.child_id)).scalars() if int(c) not in keep]
    return forget_graphs(conn, gone)


def forget_graphs(conn: Connection, gone: Sequence[int]) -> int:
    """Drop the stored graphs of these children."""
    for ids in _chunks(gone):
        conn.execute(delete(links_t).where(links_t.c.child_id.in_(ids)))
        conn.execute(delete(groups_t).where(groups_t.c.child_id.in_(ids)))
        conn.execute(delete(runs_t).where(runs_t.c.child_id.in_(ids)))
    return len(gone)


def unmatched_references_of_batch(
    conn: Connection, batch_id: int
) -> list[tuple[int | None, tuple[str, ...]]]:
    """(file row, references) for this import's events that quote a police reference no police record
    of their child carries, as the last rebuilt graphs say, in file order."""
    rows = conn.execute(
        select(events_t.c.source_row, groups_t.c.unmatched_refs)
        .join(events_t, events_t.c.id == groups_t.c.event_id)
        .where(events_t.c.batch_id == batch_id, groups_t.c.unmatched_refs.is_not(None))
        .order_by(events_t.c.source_row, groups_t.c.event_id)
    )
    return [(row, tuple(refs)) for row, refs in rows if refs]
