"""``chronology audit-store``: run every pattern for every child and keep the flags for the audit panel.

The panel reads what this stores (chronology/analysis/flag_store.py) instead of running the rules
for a whole authority on each page. Children are shared among worker processes like
``chronology link``; each child is stored in its own short transaction. It is not needed after
imports: every import and identity decision brings the children it touched up to date itself
(chronology/analysis/refresh.py). This command rebuilds everyone's, after a change of
config/patterns.toml for instance.
"""

from __future__ import annotations

import os
import time
from collections.abc import Iterable
from concurrent.futures import ProcessPoolExecutor

import click
from sqlalchemy import Engine

from chronology import settings
from chronology.analysis.flag_store import forget_others, store_child
from chronology.analysis.load import iter_child_ids, load_child_facts
from chronology.analysis.pattern_settings import load_pattern_settings
from commands.link import BATCH, _batches, worker_engine
from commands.store import open_store


def store_children(engine: Engine, child_ids: Iterable[int]) -> tuple[int, int]:
    """Store each child's flags and profile; returns (children, flags)."""
    pattern_settings = load_pattern_settings()
    children = flags = 0
    for child_id in child_ids:
        with engine.begin() as conn:
            child = load_child_facts(conn, child_id)
            flags += len(store_child(conn, child, pattern_settings))
        children += 1
    return children, flags


_engine: Engine | None = None


def _start_worker(url: str) -> None:
    global _engine
    _engine = worker_engine(url)


def _store_batch(child_ids: list[int]) -> tuple[int, int]:
    assert _engine is not None
    return store_children(_engine, child_ids)


def run_audit_store(url: str, *, workers: int) -> tuple[int, int, int]:
    """Every child stored; snapshots of children merged away are dropped. Returns (children, flags, dropped)."""
    engine = worker_engine(url)
    with engine.connect() as conn:
        child_ids = list(iter_child_ids(conn))
    if workers <= 1 or len(child_ids) <= BATCH:
        children, flags = store_children(engine, child_ids)
    else:
        engine.dispose()
        children = flags = 0
        with ProcessPoolExecutor(workers, initializer=_start_worker, initargs=(url,)) as pool:
            for done, (part_children, part_flags) in enumerate(
                pool.map(_store_batch, _batches(child_ids, BATCH)), 1
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
def audit_store_command(workers: int) -> None:
    """Run every audit pattern for every child and store the flags the web audit panel shows."""
    url = settings.database_url()
    open_store(url).dispose()
    started = time.perf_counter()
    children, flags, dropped = run_audit_store(url, workers=workers)
    click.echo(
        f"stored {flags} flags for {children} children in {time.perf_counter() - started:.1f}s"
        + (f"; dropped {dropped} children merged into others" if dropped else "")
    )
