"""Per-child analysis shared out in partitions: in this process, over a process pool, or on a Dask cluster.

Linking, the stored audit flags and the refresh after an import each work child by child, so the
children are cut into partitions (lists of child ids) and one partition function ``fn(url, ids)``
does a partition end to end: it opens its own engine on the database URL, and reads, computes and
writes each child in its own short transaction. The same partitions and the same function run
serially, over a ``ProcessPoolExecutor`` sized to the machine, or as tasks on a Dask distributed
cluster; nothing here schedules work itself.

SQLite stays correct with several writers because the store is in WAL mode (readers never wait for
the writer) and every worker's engine has a busy timeout, so a worker whose child is ready to write
waits for the one commit in progress instead of failing. Each child's reads and computation happen
before its write transaction begins (``refresh.refresh_one``), so the write lock is held only for
the differences being written, and partitions never share a child, so no two workers write the same
rows. Workers computing and the parent writing would also be correct, but would ship every graph and
flag back to one process and make the cluster's writes queue behind it; with PostgreSQL on a cluster
that would throw away the shared database's concurrent writers.

A Dask cluster's workers run elsewhere, so they need a database they can all reach: a SQLite URL is
refused for ``dask_scheduler``.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from itertools import repeat
from multiprocessing import get_context
from typing import TypeVar

from sqlalchemy import Engine, event
from sqlalchemy.engine import make_url

from chronology.db.engine import make_engine
from chronology.settings import load_config

T = TypeVar("T")
SQLITE_BUSY_MS = 120_000  # a worker writing to the SQLite file waits this long for others' short commits


class ParallelError(ValueError):
    """Work that cannot be shared out as asked (no shared database for a cluster, no Dask installed)."""


def settings() -> dict:
    """``config/parallel.toml``: partition size, when the refresh uses a pool, how many workers."""
    return load_config("parallel")


def partition_size() -> int:
    return int(settings()["partitions"]["children"])


def machine_workers() -> int:
    """Worker processes for this machine: the configured number, else one per CPU."""
    configured = int(settings()["pool"].get("workers", 0))
    return configured if configured > 0 else (os.cpu_count() or 1)


def worker_engine(url: str) -> Engine:
    """An engine for one worker; on SQLite it waits for other writers instead of failing."""
    engine = make_engine(url)
    if engine.dialect.name == "sqlite":

        @event.listens_for(engine, "connect")
        def _busy_timeout(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
            dbapi_connection.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_MS}")

    return engine


@contextmanager
def opened(url: str) -> Iterator[Engine]:
    """A worker's own engine for one partition, closed after it (no connection outlives its task)."""
    engine = worker_engine(url)
    try:
        yield engine
    finally:
        engine.dispose()


def url_of(engine: Engine) -> str:
    """The engine's URL with its password, for workers that open their own connections."""
    return engine.url.render_as_string(hide_password=False)


def is_shareable(url: str) -> bool:
    """Whether other processes can open the same database (not an in-memory SQLite one)."""
    parsed = make_url(url)
    return not (parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:"))


def check_cluster_url(url: str) -> None:
    """A Dask cluster's workers must all reach the database: refuse SQLite with the reason."""
    if make_url(url).get_backend_name() == "sqlite":
        raise ParallelError(
            "--dask-scheduler needs a database every cluster worker can reach (PostgreSQL, "
            "CHRONOLOGY_DATABASE_URL=postgresql+psycopg://...): a SQLite file is local to this machine. "
            "Use --workers N to share the children among this machine's processes instead."
        )


def partitions(ids: Sequence[int], size: int | None = None) -> list[list[int]]:
    """The children cut into lists of ``size`` (config/parallel.toml by default), in order."""
    size = size or partition_size()
    return [list(ids[start : start + size]) for start in range(0, len(ids), size)]


def share(
    fn: Callable[[str, list[int]], T],
    url: str,
    parts: list[list[int]],
    *,
    workers: int = 1,
    dask_scheduler: str | None = None,
) -> Iterator[T]:
    """Run ``fn(url, part)`` for every partition and yield each result as it is done.

    With ``dask_scheduler`` the partitions are tasks on that Dask cluster; else with ``workers`` > 1
    and more than one partition, a process pool; else one after the other in this process. The
    pool's processes are forked (they start at once, with the code already imported) unless this
    process runs other threads (a web server, a Dask client), which a fork could catch holding a
    lock: then they are spawned. Callers dispose of their engines first, so no connection is shared.
    """
    if dask_scheduler:
        check_cluster_url(url)
        yield from _on_dask(fn, url, parts, dask_scheduler)
    elif workers > 1 and len(parts) > 1:
        context = get_context("fork" if threading.active_count() == 1 else "spawn")
        with ProcessPoolExecutor(min(workers, len(parts)), mp_context=context) as pool:
            yield from pool.map(fn, repeat(url), parts)
    else:
        for part in parts:
            yield fn(url, part)


def _on_dask(fn: Callable[[str, list[int]], T], url: str, parts: list[list[int]], address: str) -> Iterator[T]:
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - depends on the installation
        raise ParallelError(
            "--dask-scheduler needs Dask distributed: pip install 'multi-agency-chronology[cluster]'"
        ) from None
    with Client(address, set_as_default=False) as client:
        # pure=False: the same partition run again (a second `chronology link`) is new work, not a cached result
        futures = [client.submit(fn, url, part, pure=False) for part in parts]
        for future in as_completed(futures):
            yield future.result()
