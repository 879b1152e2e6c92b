"""The link graph kept in the store: read when current, rewritten only where it changed.

A child's graph is current when its ``link_runs`` fingerprint matches a digest of what the graph is
built from (the child's events, the people named on them, and ``config/links.toml``). Saving
compares the new graph with the stored rows and writes only the differences, so rebuilding an
unchanged child changes nothing.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence

from sqlalchemy import Connection, delete, insert, select, update

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
    stored = conn.execute(select(runs_t.c.fingerprint).where(runs_t.c.child_id == child.person_id)).scalar()
    if stored is None or stored != fingerprint(child):
        return None
    graph = LinkGraph()
    rows = conn.execute(
        select(links_t.c.event_a_id, links_t.c.event_b_id, links_t.c.kind, links_t.c.reason)
        .where(links_t.c.child_id == child.person_id)
        .order_by(links_t.c.event_a_id, links_t.c.event_b_id, links_t.c.id)
    )
    graph.links = [Link(int(a), int(b), kind, reason) for a, b, kind, reason in rows]
    for event_id, cluster, episode, unmatched in conn.execute(
        select(
            groups_t.c.event_id, groups_t.c.incident_cluster, groups_t.c.episode, groups_t.c.unmatched_refs
        ).where(groups_t.c.child_id == child.person_id)
    ):
        if cluster:
            graph.clusters[int(event_id)] = cluster
        if episode:
            graph.episodes[int(event_id)] = episode
        if unmatched:
            graph.unmatched[int(event_id)] = tuple(unmatched)
    return graph


def save_graph(conn: Connection, child: ChildFacts, graph: LinkGraph) -> bool:
    """Store the child's graph, writing only what differs; True when anything changed."""
    digest = fingerprint(child)
    run = conn.execute(select(runs_t).where(runs_t.c.child_id == child.person_id)).first()
    event_ids = sorted(f.id for f in child.facts)
    changed = _save_links(conn, child.person_id, event_ids, graph.links)
    changed |= _save_groups(conn, child.person_id, event_ids, graph)
    counts = {
        "events": len(event_ids),
        "links": len(graph.links),
        "clusters": len(set(graph.clusters.values())),
        "episodes": len(set(graph.episodes.values())),
    }
    if run is None:
        conn.execute(
            insert(runs_t).values(child_id=child.person_id, fingerprint=digest, built_at=utcnow(), **counts)
        )
        return True
    if changed or run.fingerprint != digest or any(getattr(run, k) != v for k, v in counts.items()):
        conn.execute(
            update(runs_t)
            .where(runs_t.c.child_id == child.person_id)
            .values(fingerprint=digest, built_at=utcnow(), **counts)
        )
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


def _save_links(conn: Connection, child_id: int, event_ids: Sequence[int], links: Iterable[Link]) -> bool:
    wanted = {(link.a, link.b, link.kind): link.reason for link in links}
    held: dict[tuple[int, int, str], tuple[int, str, int]] = {}
    for ids in _chunks(event_ids):
        for row in conn.execute(
            select(*_HELD_LINK_COLUMNS).where(links_t.c.event_a_id.in_(ids))
        ):
            held[(int(row.event_a_id), int(row.event_b_id), row.kind)] = (row.id, row.reason, row.child_id)
    for row in conn.execute(
        select(*_HELD_LINK_COLUMNS).where(links_t.c.child_id == child_id)
    ):
        held.setdefault(
            (int(row.event_a_id), int(row.event_b_id), row.kind), (row.id, row.reason, row.child_id)
        )
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
    for ids in _chunks(stale):
        conn.execute(delete(links_t).where(links_t.c.id.in_(ids)))
    if new:
        conn.execute(insert(links_t), new)
    return bool(stale or new)


def _unmatched(values: Sequence[str] | None) -> tuple[str, ...] | None:
    return tuple(values) if values else None


def _save_groups(conn: Connection, child_id: int, event_ids: Sequence[int], graph: LinkGraph) -> bool:
    wanted = {
        event_id: (graph.clusters.get(event_id), graph.episodes.get(event_id), graph.unmatched.get(event_id))
        for event_id in set(graph.clusters) | set(graph.episodes) | set(graph.unmatched)
    }
    held: dict[int, tuple[str | None, str | None, tuple[str, ...] | None, int]] = {}
    for ids in _chunks(event_ids):
        for row in conn.execute(select(groups_t).where(groups_t.c.event_id.in_(ids))):
            held[int(row.event_id)] = (
                row.incident_cluster, row.episode, _unmatched(row.unmatched_refs), row.child_id
            )
    for row in conn.execute(select(groups_t).where(groups_t.c.child_id == child_id)):
        held.setdefault(
            int(row.event_id),
            (row.incident_cluster, row.episode, _unmatched(row.unmatched_refs), row.child_id),
        )
    stale = [
        event_id
        for event_id, (cluster, episode, unmatched, owner) in held.items()
        if wanted.get(event_id) != (cluster, episode, unmatched) or owner != child_id
    ]
    for ids in _chunks(stale):
        conn.execute(delete(groups_t).where(groups_t.c.event_id.in_(ids)))
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
    if new:
        conn.execute(insert(groups_t), new)
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
