"""Peak memory of hostile files through the import service, beside a normal file of similar size.

Each file is run through what the upload page and ``chronology import`` do (recognise it, say why
when the file itself is the problem, else import it into a new migrated SQLite database) in its
own subprocess, so the peak RSS printed (``resource.getrusage``, ``ru_maxrss``) is that file's own.
The baseline is a generated chronology-template CSV at least as large on disk as the largest
hostile file, measured in the same run; a control row runs the zip bomb with the guard's limits
lifted (a copied config/ folder), to show what the guard saves. Run: ``python bench/hostile_uploads.py [--bomb-mb 256]``.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def run_one(path: Path, url: str, max_bytes: int) -> dict:
    """Import one file as the service does; the outcome, seconds and this process's peak RSS."""
    from chronology.db.engine import make_engine, upgrade
    from importers.base import ImportOptions
    from services.importing import import_file, importer_for, refusal

    upgrade(url)
    engine = make_engine(url)
    start = time.perf_counter()
    importer = importer_for(path, None)
    if importer is None:
        outcome = f"refused: {refusal(path, max_bytes) or 'not recognised'}"
    else:
        report = import_file(engine, path, importer, ImportOptions(max_bytes=max_bytes), actor="bench")
        outcome = report.error if report.status == "failed" else f"imported {report.events_imported} events"
    seconds = time.perf_counter() - start
    peak_kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    return {"outcome": outcome, "seconds": seconds, "peak_mb": peak_kb / 1024}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--bomb-mb", type=int, default=256, help="how far the xlsx zip bomb would inflate")
    parser.add_argument("--one", nargs=3, metavar=("PATH", "URL", "MAX_BYTES"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one:
        print(json.dumps(run_one(Path(args.one[0]), args.one[1], int(args.one[2]))))
        return

    from generator import write_template_rows
    from generator.hostile import HOSTILE, template_rows, utf16_without_bom, xlsx_zip_bomb

    folder = Path(tempfile.mkdtemp(prefix="chronology-hostile-"))
    files: dict[str, tuple[Path, int]] = {}
    limit = 100 * 1024 * 1024  # the web's default upload limit
    for case, (name, write) in sorted(HOSTILE.items()):
        path = write(folder / name) if case != "xlsx-zip-bomb" else xlsx_zip_bomb(folder / name, args.bomb_mb)
        files[case] = (path, limit)
    files["utf16-no-bom"] = (utf16_without_bom(folder / "utf16.csv", rows=2000), limit)
    big = folder / "big.csv"
    big.write_text(template_rows(40_000))
    files["over-the-limit (1 MB)"] = (big, 1024 * 1024)
    largest = max(path.stat().st_size for path, _ in files.values())
    baseline = folder / "normal.csv"
    rows = 500
    while True:  # a normal file at least as large as the largest hostile one
        write_template_rows(baseline, rows, 3)
        if baseline.stat().st_size >= largest:
            break
        rows *= 2
    results = {"baseline (normal template CSV)": (baseline, limit), **files}
    results["xlsx-zip-bomb, guard off"] = (files["xlsx-zip-bomb"][0], limit)  # control: what it would cost
    unguarded = folder / "config"
    shutil.copytree(ROOT / "config", unguarded)  # the same config, the zip bomb guard's limits lifted
    (unguarded / "imports.toml").write_text("[xlsx]\nmax_ratio = 1000000\nratio_from_mb = 1\nmax_unpacked_mb = 1000000\n")
    print(f"{'file':32} {'size':>10} {'peak RSS':>10} {'x base':>7} {'seconds':>8}  outcome")
    base_peak = None
    for label, (path, max_bytes) in results.items():
        url = f"sqlite:///{folder / (path.stem + '.sqlite3')}"
        env = {**os.environ, "CHRONOLOGY_CONFIG_DIR": str(unguarded)} if "guard off" in label else None
        done = subprocess.run(
            [sys.executable, __file__, "--one", str(path), url, str(max_bytes)],
            capture_output=True, text=True, check=True, cwd=ROOT, env=env,
        )  # fmt: skip
        result = json.loads(done.stdout.strip().splitlines()[-1])
        base_peak = base_peak or result["peak_mb"]
        print(
            f"{label:32} {path.stat().st_size / 1024:>8.0f}KB {result['peak_mb']:>8.1f}MB "
            f"{result['peak_mb'] / base_peak:>7.2f} {result['seconds']:>8.2f}  {result['outcome'][:70]}"
        )


if __name__ == "__main__":
    main()
