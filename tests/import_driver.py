"""Run one import the way ``chronology import`` does (the same service functions), in its own
process, optionally pausing at a named stage so a test can kill it there or start a rival import.

    python -m tests.import_driver DATABASE_URL FILE ACTOR [STAGE [RELEASE_FILE]]

STAGE is ``batch:K`` (inside the import's transaction, after K batches of rows were written),
``committed`` (the file's transaction committed, its children's analysis not yet rebuilt) or
``refresh:K`` (after at least K children's analysis was rebuilt). At the stage the driver prints
``PAUSED <stage>`` and waits: until RELEASE_FILE exists, or for ever (to be killed). It prints the
import report's lines and exits 1 when the import failed. A test helper only: production code has
no pause hook, the stages are reached through the progress callbacks every import already takes.
IMPORT_DRIVER_BATCH_SIZE sets the rows per batch.
"""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

from chronology.db.engine import make_engine
from importers.base import ImportOptions
from services.importing import bring_up_to_date, import_file, importer_for


def main(argv: list[str]) -> int:
    url, file, actor = argv[:3]
    stage = argv[3] if len(argv) > 3 else ""
    release = Path(argv[4]) if len(argv) > 4 else None
    kind, _, count = stage.partition(":")

    def pause() -> None:
        print(f"PAUSED {stage}", flush=True)
        while release is None or not release.exists():
            time.sleep(0.02)

    batches = 0

    def on_batch(_rows: int) -> None:
        nonlocal batches
        batches += 1
        if kind == "batch" and batches == int(count):
            pause()

    paused = False

    def on_child(done: int, _total: int) -> None:
        nonlocal paused  # the refresh reports children written a group at a time: stop at the first past K
        if kind == "refresh" and done >= int(count) and not paused:
            paused = True
            pause()

    import chronology.ingest

    # smaller batches than production's, so a small file still has several points to stop at
    chronology.ingest.BATCH_SIZE = int(os.environ.get("IMPORT_DRIVER_BATCH_SIZE", chronology.ingest.BATCH_SIZE))
    engine = make_engine(url)
    path = Path(file)
    importer = importer_for(path, None)
    assert importer is not None, f"{path.name} is not recognised"
    report = import_file(engine, path, importer, ImportOptions(), actor=actor, progress=on_batch, refresh=False)
    if kind == "committed":
        pause()
    bring_up_to_date(engine, [report], progress=on_child)
    print("\n".join(report.lines()), flush=True)
    return 1 if report.status == "failed" else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
