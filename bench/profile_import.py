"""Profile one template import (the pipeline the bench times, refresh included) with cProfile.

Writes a generated template file, imports it into a new migrated database (SQLite unless a URL is
given) and prints the top functions by cumulative and by own time, so per-row costs can be found
before they are optimised. Run: ``python bench/profile_import.py [ROWS] [DATABASE_URL]``.
"""

from __future__ import annotations

import cProfile
import pstats
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    from chronology.db.engine import make_engine, upgrade
    from commands.importing import import_file
    from generator import write_template_rows
    from importers.base import ImportOptions
    from importers.template import TemplateImporter

    rows = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
    tmp = Path(tempfile.mkdtemp(prefix="chronology-profile-"))
    csv_path = tmp / "template.csv"
    write_template_rows(csv_path, rows, 11)
    url = sys.argv[2] if len(sys.argv) > 2 else f"sqlite:///{tmp / 'profile.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    report = import_file(
        engine, csv_path, TemplateImporter, ImportOptions(), actor="profile", show_progress=False
    )
    profiler.disable()
    print(f"{time.perf_counter() - start:.1f}s {report.status}: {report.events_imported} events")
    out = tmp / "import.prof"
    profiler.dump_stats(out)
    stats = pstats.Stats(str(out))
    stats.sort_stats("cumulative").print_stats(40)
    stats.sort_stats("tottime").print_stats(30)
    print(f"profile kept in {out}")


if __name__ == "__main__":
    main()
