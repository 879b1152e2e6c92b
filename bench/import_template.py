"""Benchmark: importing a generated chronology-template CSV through the real pipeline, against a raw baseline.

For each size (default 100,000 and 1,000,000 rows) it writes a template file with the project's
generator, then, each in a fresh process so peak memory is its own:

- pipeline: the ``template`` importer + the store (identity resolution, dedupe, batched inserts,
  one transaction) into a new, migrated SQLite database;
- baseline: pandas ``read_csv`` of the same file + ``executemany`` of the same rows into a bare
  SQLite table with no indexes, no identity and no checks.

It prints rows, seconds, events/s, the ratio pipeline/baseline, and peak RSS. Memory that stays flat
shows as the same peak for 100k and 1M rows. Run: ``python bench/import_template.py [--rows N ...]``.
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


def run_pipeline(csv_path: Path, db_path: Path) -> dict:
    from chronology.db.engine import make_engine, upgrade
    from commands.importing import import_file
    from importers.base import ImportOptions
    from importers.template import TemplateImporter

    url = f"sqlite:///{db_path}"
    upgrade(url)
    engine = make_engine(url)
    start = time.perf_counter()
    report = import_file(
        engine, csv_path, TemplateImporter, ImportOptions(), actor="bench", show_progress=False
    )
    seconds = time.perf_counter() - start
    assert report.status == "completed", report.error
    return {
        "rows": report.events_imported + report.duplicates_skipped + report.rows_rejected,
        "imported": report.events_imported,
        "seconds": seconds,
        "peak_mb": peak_rss_mb(),
    }


def run_baseline(csv_path: Path, db_path: Path) -> dict:
    import pandas as pd

    start = time.perf_counter()
    conn = sqlite3.connect(db_path)
    rows = 0
    with conn:
        columns: list[str] | None = None
        for chunk in pd.read_csv(csv_path, dtype=str, keep_default_na=False, chunksize=50_000):
            if columns is None:
                columns = list(chunk.columns)
                conn.execute(f"CREATE TABLE raw ({', '.join(f'c{i} TEXT' for i in range(len(columns)))})")
            placeholders = ", ".join("?" for _ in columns)
            conn.executemany(
                f"INSERT INTO raw VALUES ({placeholders})", chunk.itertuples(index=False, name=None)
            )
            rows += len(chunk)
    seconds = time.perf_counter() - start
    return {"rows": rows, "seconds": seconds, "peak_mb": peak_rss_mb()}


def phase_in_subprocess(phase: str, csv_path: Path, db_path: Path) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--phase", phase, "--file", str(csv_path), "--db", str(db_path)],
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
    parser.add_argument("--db", type=Path)
    parser.add_argument("--seed", type=int, default=11)
    args = parser.parse_args()
    if args.phase:
        result = (
            run_pipeline(args.file, args.db) if args.phase == "pipeline" else run_baseline(args.file, args.db)
        )
        print(json.dumps(result))
        return

    from generator import write_template_rows

    print(f"{'rows':>10} {'phase':>9} {'seconds':>9} {'events/s':>10} {'peak MB':>8}")
    with tempfile.TemporaryDirectory(prefix="chronology-bench-") as tmp:
        for rows in args.rows:
            csv_path = Path(tmp) / f"template-{rows}.csv"
            write_template_rows(csv_path, rows, args.seed)
            results = {}
            for phase in ("baseline", "pipeline"):
                db_path = Path(tmp) / f"{phase}-{rows}.sqlite3"
                results[phase] = phase_in_subprocess(phase, csv_path, db_path)
                r = results[phase]
                print(
                    f"{rows:>10} {phase:>9} {r['seconds']:>9.1f} {r['rows'] / r['seconds']:>10.0f} {r['peak_mb']:>8.0f}"
                )
            ratio = results["pipeline"]["seconds"] / results["baseline"]["seconds"]
            print(
                f"{rows:>10}  pipeline takes {ratio:.1f}x the baseline's time "
                f"(file {csv_path.stat().st_size / 1e6:.0f} MB)"
            )
            csv_path.unlink()


if __name__ == "__main__":
    main()
