"""Benchmark: importing a generated chronology-template CSV through the real pipeline, against a raw baseline.

For each size (default 100,000 and 1,000,000 rows) it writes a template file with the project's
generator, then, each in a fresh process so peak memory is its own:

- pipeline: the ``template`` importer + the store (identity resolution, dedupe, batched inserts,
  one transaction) into a new, migrated database, then the refresh of the derived analysis (link
  graphs and audit flags of every child the file touched) that ``chronology import`` runs after it;
  the import alone and import + refresh are both printed;
- baseline: pandas ``read_csv`` of the same file + ``executemany`` of the same rows into a bare
  table with no indexes, no identity and no checks, in the same kind of database.

SQLite by default (a new file per phase); ``--database-url postgresql+psycopg://...`` measures
PostgreSQL instead: that database's ``public`` schema is DROPPED and recreated before each phase, so
give it a scratch database. It prints rows, seconds, events/s, the ratio baseline time / pipeline
time (1.0 = as fast as the raw load; the target is >= 0.5), the process's CPU seconds and the same
ratio on CPU time (steadier when other work shares the cores), and peak RSS. Memory that stays flat
shows as the same peak for 100k and 1M rows.
Run: ``python bench/import_template.py [--rows N ...] [--database-url URL]``.
"""

from __future__ import annotations

import argparse
import json
import resource
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def peak_rss_mb() -> float:
    """This process's own peak resident memory (VmHWM; ru_maxrss can carry the parent's over exec)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def fresh_postgres(url: str) -> None:
    """Empty the scratch PostgreSQL database: drop and recreate its public schema."""
    from sqlalchemy import create_engine, text

    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()


def cpu_seconds() -> float:
    """This process's own CPU time: unlike wall time it barely moves when other work shares the cores
    (on PostgreSQL the server's share is not in it)."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def run_pipeline(csv_path: Path, url: str) -> dict:
    from chronology.db.engine import make_engine, upgrade
    from commands.importing import bring_up_to_date, import_file
    from importers.base import ImportOptions
    from importers.template import TemplateImporter

    upgrade(url)
    engine = make_engine(url)
    start, cpu_start = time.perf_counter(), cpu_seconds()
    report = import_file(
        engine, csv_path, TemplateImporter, ImportOptions(), actor="bench", show_progress=False, refresh=False
    )
    imported, import_cpu = time.perf_counter() - start, cpu_seconds() - cpu_start
    assert report.status == "completed", report.error
    bring_up_to_date(engine, [report], show_progress=False)
    seconds = time.perf_counter() - start
    from chronology.analysis.load import iter_child_ids

    with engine.connect() as conn:
        children = sum(1 for _ in iter_child_ids(conn))
    return {
        "children": children,
        "import_cpu": import_cpu,
        "cpu": cpu_seconds() - cpu_start,
        "rows": report.events_imported + report.duplicates_skipped + report.rows_rejected,
        "imported": report.events_imported,
        "import_seconds": imported,
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
    }


def run_baseline(csv_path: Path, url: str) -> dict:
    import pandas as pd

    start, cpu_start = time.perf_counter(), cpu_seconds()
    if url.startswith("sqlite:///"):
        conn = sqlite3.connect(url.removeprefix("sqlite:///"))
        mark = "?"
    else:
        import psycopg

        conn = psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://"))
        mark = "%s"
    rows = 0
    with conn:
        cursor = conn.cursor()
        columns: list[str] | None = None
        for chunk in pd.read_csv(csv_path, dtype=str, keep_default_na=False, chunksize=50_000):
            if columns is None:
                columns = list(chunk.columns)
                cursor.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(len(columns)))})")
            placeholders = ", ".join(mark for _ in columns)
            cursor.executemany(
                f"INSERT INTO raw VALUES ({placeholders})", chunk.itertuples(index=False, name=None)
            )
            rows += len(chunk)
    conn.close()
    seconds = time.perf_counter() - start
    return {"rows": rows, "seconds": seconds, "cpu": cpu_seconds() - cpu_start, "peak_mb": peak_rss_mb()}


def phase_in_subprocess(phase: str, csv_path: Path, url: str) -> dict:
    if not url.startswith("sqlite"):
        fresh_postgres(url)
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--file", str(csv_path), "--database-url", url],
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rows", type=int, nargs="*", default=[100_000, 1_000_000])
    parser.add_argument("--phase", choices=["pipeline", "baseline"])
    parser.add_argument("--file", type=Path)
    parser.add_argument(
        "--database-url",
        help="a scratch PostgreSQL database (its public schema is dropped); default: new SQLite files",
    )
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.phase:
        result = (
            run_pipeline(args.file, args.database_url)
            if args.phase == "pipeline"
            else run_baseline(args.file, args.database_url)
        )
        print(json.dumps(result))
        return

    from generator import write_template_rows

    database = "PostgreSQL" if args.database_url else "SQLite"
    print(
        f"{database}: {'rows':>10} {'phase':>16} {'seconds':>8} {'events/s':>9} {'ratio':>6} "
        f"{'CPU s':>7} {'CPU ratio':>9} {'peak MB':>8}"
    )
    with tempfile.TemporaryDirectory(prefix="chronology-bench-") as tmp:
        for rows in args.rows:
            csv_path = Path(tmp) / f"template-{rows}.csv"
            write_template_rows(csv_path, rows, args.seed)
            results = {}
            for phase in ("baseline", "pipeline"):
                url = args.database_url or f"sqlite:///{Path(tmp) / f'{phase}-{rows}.sqlite3'}"
                results[phase] = phase_in_subprocess(phase, csv_path, url)
            base, pipe = results["baseline"], results["pipeline"]
            lines = [
                ("baseline", base["seconds"], base["cpu"], base["peak_mb"]),
                ("import", pipe["import_seconds"], pipe["import_cpu"], pipe["peak_mb"]),
                ("import+refresh", pipe["seconds"], pipe["cpu"], pipe["peak_mb"]),
            ]
            for phase, seconds, cpu, peak in lines:
                print(
                    f"{database}: {rows:>10} {phase:>16} {seconds:>8.1f} {base['rows'] / seconds:>9.0f} "
                    f"{base['seconds'] / seconds:>6.3f} {cpu:>7.1f} {base['cpu'] / cpu:>9.3f} {peak:>8.0f}"
                )
            print(
                f"{database}: {rows:>10}  file {csv_path.stat().st_size / 1e6:.0f} MB, "
                f"{pipe['children']} children"
            )
            csv_path.unlink()


if __name__ == "__main__":
    main()
