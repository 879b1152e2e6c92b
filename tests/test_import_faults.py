"""Imports killed with SIGKILL and imports racing each other, in real processes against the test
store (SQLite, and PostgreSQL when CHRONOLOGY_TEST_DATABASE_URL is set).

Each import runs in ``tests.import_driver``, which pauses at a named stage (inside the file's
transaction after K batches, or after K children's analysis was rebuilt) so the kill lands at a
known point rather than a random one. The file is a generated authority's template CSV.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from chronology.db.engine import make_engine, upgrade
from chronology.db.models import Event, ImportBatch
from generator import write_template_rows
from generator.hostile import template_rows
from services.importing import import_file, importer_for
from tests.test_hostile_files import table_counts

ROOT = Path(__file__).resolve().parent.parent
ROWS = 1300  # three batches of BATCH_SIZE items: the driver can stop after the first and the second
BATCH_SIZE = 500
CHANGED_BY_REIMPORT = {"import_batches", "import_issues"}  # the re-import's own record of itself


@pytest.fixture(scope="module")
def big_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("faults") / "authority.csv"
    write_template_rows(path, ROWS, seed=12)
    return path


@pytest.fixture(scope="module")
def clean_counts(big_file, tmp_path_factory) -> dict[str, int]:
    """Every table's rows after one clean import of the file (after the same small first file)."""
    url = f"sqlite:///{tmp_path_factory.mktemp('clean') / 'clean.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    _seed(engine, big_file.parent)
    import_file(engine, big_file, importer_for(big_file, None), _options(), actor="clean")  # type: ignore[arg-type]
    counts = table_counts(engine)
    engine.dispose()
    return counts


def _options():  # type: ignore[no-untyped-def]
    from importers.base import ImportOptions

    return ImportOptions()


def _seed(engine: Engine, folder: Path) -> None:
    """A small earlier file, so 'as before' is a store with something in it."""
    first = folder / "earlier.csv"
    first.write_text(template_rows(5, "Earlier", ids="E"))
    import_file(engine, first, importer_for(first, None), _options(), actor="seed")  # type: ignore[arg-type]


@pytest.fixture
def store(database_url, big_file) -> Engine:
    engine = make_engine(database_url)
    _seed(engine, big_file.parent)
    yield engine
    engine.dispose()


def _start(url: str, path: Path, actor: str, stage: str = "", release: Path | None = None) -> subprocess.Popen:
    args = [sys.executable, "-m", "tests.import_driver", url, str(path), actor, stage]
    if release is not None:
        args.append(str(release))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "IMPORT_DRIVER_BATCH_SIZE": str(BATCH_SIZE)}
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def _wait_for_pause(process: subprocess.Popen, stage: str) -> None:
    assert process.stdout is not None
    for line in process.stdout:
        if line.strip() == f"PAUSED {stage}":
            return
    pytest.fail(f"the import ended before reaching {stage} (exit {process.wait()})")


def _kill_at(url: str, path: Path, stage: str) -> None:
    process = _start(url, path, "killed", stage)
    _wait_for_pause(process, stage)
    process.send_signal(signal.SIGKILL)
    assert process.wait(timeout=30) == -signal.SIGKILL


def _finish(process: subprocess.Popen) -> tuple[int, str]:
    output, _ = process.communicate(timeout=120)
    return process.returncode, output


def _distinct_event_keys(engine: Engine) -> tuple[int, int]:
    with engine.connect() as conn:
        total = conn.execute(select(func.count()).select_from(Event)).scalar_one()
        distinct = conn.execute(select(func.count(func.distinct(Event.natural_key)))).scalar_one()
    return total, distinct


def test_an_import_killed_inside_its_transaction_leaves_the_store_as_before(store, database_url, big_file,
                                                                            clean_counts):
    before = table_counts(store)
    for stage in ("batch:1", "batch:2"):
        _kill_at(database_url, big_file, stage)
        assert table_counts(store) == before, f"killed at {stage}"
    code, output = _finish(_start(database_url, big_file, "again"))
    assert code == 0, output
    assert f"events imported     {ROWS}" in output
    assert table_counts(store) == clean_counts  # as if the killed attempts had never run
    assert _distinct_event_keys(store) == (clean_counts["events"],) * 2


def test_an_import_killed_while_its_analysis_is_rebuilt_is_completed_by_the_next_run(store, database_url,
                                                                                   big_file, clean_counts):
    _kill_at(database_url, big_file, "refresh:2")  # the file is committed; two children rebuilt of many
    with store.connect() as conn:
        waiting = conn.execute(text("SELECT count(*) FROM analysis_queue")).scalar_one()
    assert waiting > 0  # the rest are still queued, not forgotten
    code, output = _finish(_start(database_url, big_file, "again"))
    assert code == 0, output
    assert "this same file was imported before (import 2 by killed" in output
    assert "events imported     0" in output and f"duplicates skipped  {ROWS}" in output
    after = table_counts(store)
    assert {k: v for k, v in after.items() if k not in CHANGED_BY_REIMPORT} == {
        k: v for k, v in clean_counts.items() if k not in CHANGED_BY_REIMPORT
    }
    assert after["analysis_queue"] == 0 and after["import_batches"] == clean_counts["import_batches"] + 1


def test_two_imports_of_one_file_at_once_the_loser_is_told_and_nothing_is_doubled(store, database_url,
                                                                                big_file, clean_counts, tmp_path):
    release = tmp_path / "go"
    winner = _start(database_url, big_file, "ann", "batch:1", release)
    _wait_for_pause(winner, "batch:1")  # ann is inside her import's transaction
    code, output = _finish(_start(database_url, big_file, "bob"))
    assert code == 1
    assert "authority.csv: FAILED, nothing imported — authority.csv is already being imported (by ann, started" in output
    release.touch()
    code, output = _finish(winner)
    assert code == 0, output
    assert table_counts(store) == clean_counts  # bob's refusal wrote nothing, not even a failed record
    with store.connect() as conn:
        by = conn.execute(select(ImportBatch.imported_by).order_by(ImportBatch.id)).scalars().all()
    assert by == ["seed", "ann"]


def test_two_imports_started_together_end_with_each_event_once(store, database_url, big_file, clean_counts):
    first, second = _start(database_url, big_file, "ann"), _start(database_url, big_file, "bob")
    results = [_finish(first), _finish(second)]
    assert sorted(code for code, _ in results) in ([0, 0], [0, 1])
    for code, output in results:
        if code == 1:
            assert "is already being imported" in output
        assert "Traceback" not in output
    assert _distinct_event_keys(store) == (clean_counts["events"],) * 2
    if [code for code, _ in results] == [0, 0]:  # one ran after the other: it said so and added nothing
        assert any("this same file was imported before" in output for _, output in results)


def test_two_imports_of_different_files_at_once_both_succeed(store, database_url, big_file, clean_counts, tmp_path):
    """SQLite has one writer: bob's import waits for ann's (paused inside her transaction for longer
    than SQLite's own busy timeout) instead of failing with "database is locked"; PostgreSQL runs
    them side by side. Each file ends imported once, with no traceback."""
    other = tmp_path / "other agency.csv"
    other.write_text(template_rows(40, "Other", ids="O"))
    release = tmp_path / "go"
    ann = _start(database_url, big_file, "ann", "batch:1", release)
    _wait_for_pause(ann, "batch:1")
    bob = _start(database_url, other, "bob")
    with contextlib.suppress(subprocess.TimeoutExpired):
        bob.wait(timeout=6)  # PostgreSQL: bob has finished; SQLite: bob is still waiting his turn
    release.touch()
    results = {"ann": _finish(ann), "bob": _finish(bob)}
    for who, (code, output) in results.items():
        assert code == 0, f"{who}: {output}"
        assert "Traceback" not in output and "database is locked" not in output
    assert f"events imported     {ROWS}" in results["ann"][1]
    assert "events imported     40" in results["bob"][1]
    with store.connect() as conn:
        batches = conn.execute(
            select(ImportBatch.file_name, func.count()).where(ImportBatch.status == "completed")
            .group_by(ImportBatch.file_name)
        ).all()
    assert dict(batches) == {"earlier.csv": 1, "authority.csv": 1, "other agency.csv": 1}
    assert _distinct_event_keys(store) == (clean_counts["events"] + 40,) * 2
