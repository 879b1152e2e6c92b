"""Benchmark: the refresh of every child (link graph + stored audit flags) in one process, over a
process pool of 2, and on a Dask ``LocalCluster`` of 2 worker processes, for the same data.

Generates a synthetic authority (native formats), imports it with the refresh held back, then for
each way of running: drops every derived row, queues every person (as an upgrade does) and times
``chronology.analysis.refresh.refresh_queued`` with ``workers=1``, ``workers=2``, or
``dask_scheduler=`` a LocalCluster's address. Each way runs in its own process, so its peak memory
(VmHWM) is its own; the largest worker's peak is reported beside it (pool workers by
``RUSAGE_CHILDREN``, Dask workers by asking each). A digest of every stored link, group, flag and
snapshot shows the three stored the same. The median time per child (read, compute, write) and the
machine's load average at the end of each way show how much of the machine the workers had. The cluster's start-up is timed apart from the refresh.

On SQLite the Dask way is refused (its workers could be on other machines), and the bench says so.

Run: ``python bench/refresh_parallel.py [--children 1000] [--seed 7] [--database-url URL]``
(default: a temporary SQLite file; PostgreSQL as ``postgresql+psycopg://postgres@127.0.0.1:5432/bench``,
whose tables are dropped first).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_template import peak_rss_mb  # noqa: E402

MODES = ("serial", "pool", "dask")


def _worker_peak_mb() -> float:
    return peak_rss_mb()


def digest(engine) -> str:  # type: ignore[no-untyped-def]
    """One hash of every derived row, leaving out row ids and clock times."""
    from sqlalchemy import select

    from chronology.db.models import AuditFlag, AuditSnapshot, EventGroup, EventLink, LinkRun

    hashed = hashlib.sha256()
    with engine.connect() as conn:
        for model in (EventLink, EventGroup, LinkRun, AuditFlag, AuditSnapshot):
            rows = sorted(
                json.dumps(
                    {k: v for k, v in row._mapping.items() if k not in {"id", "built_at", "computed_at"}},
                    sort_keys=True,
                    default=str,
                )
                for row in conn.execute(select(model.__table__))
            )
            hashed.update("\n".join(rows).encode())
    return hashed.hexdigest()[:16]


def phase(url: str, mode: str, workers: int) -> dict:
    """One way of running, in this (fresh) process."""
    from sqlalchemy import delete, select

    from chronology.analysis.refresh import refresh_queued
    from chronology.analysis_queue import queue_persons
    from chronology.db.engine import make_engine
    from chronology.db.models import AuditFlag, AuditSnapshot, EventGroup, EventLink, LinkRun, Person

    engine = make_engine(url)
    with engine.begin() as conn:
        for model in (EventLink, EventGroup, LinkRun, AuditFlag, AuditSnapshot):
            conn.execute(delete(model.__table__))
        queue_persons(conn, list(conn.execute(select(Person.__table__.c.id)).scalars()), "bench")
    result: dict = {"mode": mode}
    if mode == "dask":
        from chronology.analysis.parallel import ParallelError, check_cluster_url

        try:
            check_cluster_url(url)
        except ParallelError as exc:
            return result | {"refused": str(exc).split(":")[0]}
        from distributed import Client, LocalCluster

        began = time.perf_counter()
        with (
            LocalCluster(n_workers=workers, processes=True, threads_per_worker=1, dashboard_address=None) as cluster,
            Client(cluster) as client,
        ):
            result["cluster_start_s"] = time.perf_counter() - began
            started = time.perf_counter()
            tally = refresh_queued(engine, workers=1, dask_scheduler=cluster.scheduler_address)
            result["seconds"] = time.perf_counter() - started
            result["workers_peak_mb"] = max(client.run(_worker_peak_mb).values())
    else:
        started = time.perf_counter()
        tally = refresh_queued(engine, workers=1 if mode == "serial" else workers)
        result["seconds"] = time.perf_counter() - started
        if mode == "pool":
            result["workers_peak_mb"] = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    result |= {
        "children": tally.children,
        "flags": tally.flags,
        "processes": len(tally.processes),
        "per_child_ms": sorted(tally.per_child)[len(tally.per_child) // 2] * 1000 if tally.per_child else 0.0,
        "load_average": os.getloadavg()[0],
        "peak_mb": peak_rss_mb(),
        "digest": digest(engine),
    }
    engine.dispose()
    return result


def prepare(url: str, folder: Path, children: int, seed: int) -> tuple[int, float]:
    """A fresh store with the authority imported, nothing refreshed: (events, import seconds)."""
    from sqlalchemy import func, select, text

    from chronology.db.engine import make_engine, upgrade
    from chronology.db.models import Event
    from generator.authority import generate_authority
    from importers.base import ImportOptions
    from services.importing import import_file, plan

    if url.startswith("postgresql"):
        engine = make_engine(url)
        with engine.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        engine.dispose()
    upgrade(url)
    engine = make_engine(url)
    generate_authority(folder / "la", children=children, seed=seed, formats="native")
    started = time.perf_counter()
    for item in plan([folder / "la"], None):
        if item.importer is not None:
            import_file(engine, item.path, item.importer, ImportOptions(), actor="bench", refresh=False)
    took = time.perf_counter() - started
    if url.startswith("postgresql"):
        with engine.begin() as conn:  # as bring_up_to_date does after a large import
            conn.execute(text("ANALYZE"))
    with engine.connect() as conn:
        events = int(conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one())
    engine.dispose()
    return events, took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (its tables are dropped)")
    parser.add_argument("--phase", choices=MODES, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.phase:
        print(json.dumps(phase(args.database_url, args.phase, args.workers)))
        return

    with tempfile.TemporaryDirectory(prefix="refresh-parallel-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
        events, imported = prepare(url, folder, args.children, args.seed)
        results = []
        for mode in MODES:
            out = subprocess.run(
                [sys.executable, __file__, "--phase", mode, "--database-url", url, "--workers", str(args.workers)],
                check=True,
                capture_output=True,
                text=True,
            )
            results.append(json.loads(out.stdout.strip().splitlines()[-1]))

    dialect = url.split(":", 1)[0].split("+")[0]
    print(f"authority: {args.children} children (seed {args.seed}, native formats), {dialect}, {events:,} events")
    print(f"import, refresh held back: {imported:.1f} s")
    base = results[0]["seconds"]
    print(
        f"{'way':<22}{'children':>9}{'seconds':>9}{'speed-up':>10}{'ms/child':>9}{'peak MB':>9}{'worker MB':>10}"
        f"{'load':>6}  digest"
    )
    for r in results:
        label = {"serial": "serial (1 process)", "pool": f"pool({args.workers})", "dask": f"dask LocalCluster({args.workers})"}[r["mode"]]
        if "refused" in r:
            print(f"{label:<22} refused: {r['refused']}")
            continue
        worker = f"{r['workers_peak_mb']:.0f}" if "workers_peak_mb" in r else "-"
        extra = f"  (cluster start {r['cluster_start_s']:.1f} s)" if "cluster_start_s" in r else ""
        print(
            f"{label:<22}{r['children']:>9,}{r['seconds']:>9.1f}{base / r['seconds']:>9.2f}x"
            f"{r['per_child_ms']:>9.1f}{r['peak_mb']:>9.0f}{worker:>10}{r['load_average']:>6.1f}  {r['digest']}{extra}"
        )
    digests = {r["digest"] for r in results if "digest" in r}
    print("same stored result in every way: " + ("yes" if len(digests) == 1 else f"NO ({len(digests)} digests)"))


if __name__ == "__main__":
    main()
