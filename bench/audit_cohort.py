"""Benchmark: a whole authority audited as one cohort, across 1 and more worker processes.

Generates a synthetic authority in the agencies' native formats, imports it into a fresh SQLite
database through the real importers, optionally stores the link graphs (``chronology link``), then
times, over every child:

- ``run_audit`` (what ``chronology audit`` runs: load each child's facts, run every pattern, select
  the cohort) with each ``--workers`` value: children/s and flags found;
- ``harm_series`` for every child, in one process: ms per child and monthly points per child;
- both seed cohorts against the ground truth (exact or not), as a check that the run is real.

Run: ``python bench/audit_cohort.py [--children 1000] [--seed 7] [--workers 1 2] [--no-link]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chronology.analysis.audit import AuditRequest  # noqa: E402
from chronology.analysis.cohorts import CohortFilter, preset  # noqa: E402
from chronology.analysis.harm import harm_series, load_harm_settings  # noqa: E402
from chronology.analysis.load import iter_child_ids, load_child_facts  # noqa: E402
from commands.audit import run_audit  # noqa: E402
from commands.importing import import_file, plan  # noqa: E402
from commands.link import run_link  # noqa: E402
from commands.store import open_store  # noqa: E402
from generator import generate_authority  # noqa: E402
from importers.base import ImportOptions  # noqa: E402


def build(folder: Path, children: int, seed: int) -> tuple[str, dict]:
    out = folder / "la"
    generate_authority(out, children=children, seed=seed, formats="native")
    url = f"sqlite:///{folder / 'bench.sqlite3'}"
    engine = open_store(url)
    started = time.perf_counter()
    for item in plan([out], None):
        if item.importer is not None:
            import_file(engine, item.path, item.importer, ImportOptions(), actor="bench", show_progress=False)
    engine.dispose()
    print(f"import: {time.perf_counter() - started:.1f}s")
    return url, json.loads((out / "ground-truth.json").read_text(encoding="utf-8"))


def time_audit(url: str, as_of: dt.date, workers: int, children: int) -> None:
    started = time.perf_counter()
    found = run_audit(url, AuditRequest(CohortFilter(), (), as_of), workers=workers)
    took = time.perf_counter() - started
    flags = sum(len(c.flags) for c in found)
    print(
        f"audit, every child, all patterns, {workers} worker(s): {children} children in {took:.1f}s "
        f"({children / took:.0f} children/s), {flags} flags for {sum(1 for c in found if c.flags)} children"
    )


def time_harm(url: str, as_of: dt.date) -> None:
    settings = load_harm_settings()
    engine = open_store(url)
    loading = computing = 0.0
    points = children = 0
    with engine.connect() as conn:
        for child_id in iter_child_ids(conn):
            started = time.perf_counter()
            child = load_child_facts(conn, child_id, as_of=as_of)
            loaded = time.perf_counter()
            series = harm_series(child, settings)
            computing += time.perf_counter() - loaded
            loading += loaded - started
            points += len(series.points)
            children += 1
    engine.dispose()
    print(
        f"harm series: {children} children, {computing * 1000 / children:.2f} ms per child to compute "
        f"({points / children:.0f} monthly points each), {loading * 1000 / children:.1f} ms per child to load"
    )


def check_cohorts(url: str, truth: dict, as_of: dt.date) -> None:
    for name in ("bucks_2019", "south_glos_2025"):
        found = run_audit(url, AuditRequest(preset(name), (), as_of, with_flags=False), workers=1)
        got = {c.la_child_id for c in found}
        want = {e["la_child_id"] for e in truth[f"cohort_{name}"]}
        print(f"cohort {name}: {len(got)} children selected, ground truth {len(want)}, exact: {got == want}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--no-link", action="store_true", help="do not store link graphs first")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        url, truth = build(Path(tmp), args.children, args.seed)
        as_of = dt.date.fromisoformat(truth["as_of"])
        engine = open_store(url)
        with engine.connect() as conn:
            children = len(list(iter_child_ids(conn)))
        engine.dispose()
        print(f"{children} child records (groups) from {args.children} generated children")
        if not args.no_link:
            started = time.perf_counter()
            run_link(url, child_ids=None, workers=max(args.workers))
            print(f"link graphs stored: {time.perf_counter() - started:.1f}s")
        for workers in args.workers:
            time_audit(url, as_of, workers, children)
        time_harm(url, as_of)
        check_cohorts(url, truth, as_of)


if __name__ == "__main__":
    main()
