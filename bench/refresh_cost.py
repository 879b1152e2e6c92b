"""Benchmark: what keeping derived analysis current costs an import (chronology/analysis/refresh.py).

Generates a synthetic authority (native formats), then in one fresh store:

1. imports every file with the refresh held back (``refresh=False``): the import's own time;
2. brings every queued child up to date (link graph + stored audit flags), as ``chronology import``
   does after its last file: the refresh's time, per 100,000 events imported and as a share of (1);
3. for comparison, the rebuild-all tools on the same store (``chronology link`` with every
   fingerprint made stale, then ``chronology audit-store``), one worker;
4. an incremental import: a second police file repeating 20% of the occurrences a year later (new occurrences, new quotes)
   and the refresh it costs, against its own import time.

Every figure is measured in the same run. Peak memory is this process's VmHWM.
Run: ``python bench/refresh_cost.py [--children 1000] [--seed 7] [--database-url URL]``
(default: a temporary SQLite file; PostgreSQL as ``postgresql+psycopg://postgres@127.0.0.1:5432/bench``,
whose tables are dropped first).
"""

from __future__ import annotations

import argparse
import csv
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_template import peak_rss_mb  # noqa: E402
from sqlalchemy import func, select, text, update  # noqa: E402

from chronology.db.engine import make_engine, upgrade  # noqa: E402
from chronology.db.models import Event, LinkRun  # noqa: E402


def reset_postgres(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def events_in(engine) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(Event.__table__)).scalar_one())


def second_police_file(authority: Path, out: Path, share: float) -> Path:
    """New occurrences (same people, a year later, new references) for a share of the police file's
    occurrences: what a force's next monthly export adds."""
    rows: list[dict[str, str]] = []
    for source in sorted(authority.rglob("*police*.csv")):
        with source.open(encoding="utf-8-sig", newline="") as handle:
            rows += list(csv.DictReader(handle))
    refs = sorted({row["occurrence_ref"] for row in rows})
    chosen = set(refs[: max(1, int(len(refs) * share))])
    with out.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        for row in rows:
            if row["occurrence_ref"] in chosen:
                year, rest = row["occurred_at"][:4], row["occurred_at"][4:]
                writer.writerow(
                    row
                    | {
                        "occurrence_ref": f"NEXT-{row['occurrence_ref']}",
                        "occurred_at": f"{int(year) + 1}{rest}",
                    }
                )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--database-url", help="a PostgreSQL database to use (its tables are dropped)")
    args = parser.parse_args()

    from commands.audit_store import run_audit_store
    from commands.link import run_link
    from generator.authority import generate_authority
    from importers.base import ImportOptions
    from importers.police import PoliceImporter
    from services.importing import bring_up_to_date, import_file, plan

    with tempfile.TemporaryDirectory(prefix="refresh-bench-") as tmp:
        folder = Path(tmp)
        url = args.database_url or f"sqlite:///{folder / 'bench.sqlite3'}"
        if url.startswith("postgresql"):
            reset_postgres(url)
        upgrade(url)
        engine = make_engine(url)
        generate_authority(folder / "la", children=args.children, seed=args.seed, formats="native")

        started = time.perf_counter()
        reports = [
            import_file(engine, p.path, p.importer, ImportOptions(), actor="bench", refresh=False)
            for p in plan([folder / "la"], None)
            if p.importer is not None
        ]
        imported = time.perf_counter() - started
        events = events_in(engine)
        started = time.perf_counter()
        tally = bring_up_to_date(engine, reports)
        refreshed = time.perf_counter() - started

        with engine.begin() as conn:
            conn.execute(update(LinkRun.__table__).values(fingerprint="stale"))
        started = time.perf_counter()
        run_link(url, child_ids=None, workers=1)
        run_audit_store(url, workers=1)
        rebuilt = time.perf_counter() - started

        extra = second_police_file(folder / "la", folder / "police-next.csv", 0.2)
        before = events_in(engine)
        started = time.perf_counter()
        report = import_file(engine, extra, PoliceImporter, ImportOptions(), actor="bench", refresh=False)
        extra_import = time.perf_counter() - started
        started = time.perf_counter()
        extra_tally = bring_up_to_date(engine, [report])
        extra_refresh = time.perf_counter() - started
        added = events_in(engine) - before
        engine.dispose()

    dialect = url.split(":", 1)[0].split("+")[0]
    per_100k = refreshed / events * 100_000
    print(f"authority: {args.children} children (seed {args.seed}, native formats), {dialect}")
    print(f"events imported: {events:,} from {len(reports)} files")
    print(f"import, refresh held back:       {imported:8.1f} s  ({events / imported:,.0f} events/s)")
    print(
        f"refresh of {tally.children:,} children:      {refreshed:8.1f} s  "
        f"= {per_100k:.1f} s per 100,000 events; {refreshed / imported:.2f} x the import "
        f"(median {sorted(tally.per_child)[len(tally.per_child) // 2] * 1000:.1f} ms per child)"
    )
    print(
        f"rebuild-all (link + audit-store): {rebuilt:8.1f} s  (refresh / rebuild-all = {refreshed / rebuilt:.2f})"
    )
    print(
        f"incremental police file: {added:,} events for {extra_tally.children} children: import {extra_import:.2f} s, "
        f"refresh {extra_refresh:.2f} s ({extra_refresh / max(extra_import, 1e-9):.2f} x its import; "
        f"{extra_refresh / max(added, 1) * 100_000:.1f} s per 100,000 events)"
    )
    print(f"peak memory: {peak_rss_mb():.0f} MB")


if __name__ == "__main__":
    main()
