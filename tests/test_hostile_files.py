"""Hostile files through ``chronology import``: each is refused with a message naming the file and
the problem, nothing is written for it (every table holds as many rows as before, apart from the
one 'failed' import record when an importer refused it), and no secret or entity reaches the store.
The same files through the web upload: tests/webapp/test_web_hostile_uploads.py."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import Engine, func, select, text

from chronology.db.models import Base, Event, ImportBatch, ImportIssue
from commands.main import cli
from generator.hostile import HOSTILE, template_rows, utf16_without_bom

# case -> words the message must hold (besides the file's name)
EXPECTED = {
    "xxe": "declares an XML entity ('xxe')",
    "billion-laughs": "declares an XML entity ('lol0')",
    "external-dtd": "refers to an external DTD",
    "deep-nesting": "nested more than 256 deep",
    "xlsx-zip-bomb": "likely zip bomb",
    "mostly-nul": "NUL (zero) bytes",
    "empty": "is empty",
}


def table_counts(engine: Engine) -> dict[str, int]:
    """Rows in every table of the store."""
    with engine.connect() as conn:
        return {
            table.name: conn.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }


def assert_nothing_written(engine: Engine, before: dict[str, int], message: str) -> None:
    """Every table as before, but for at most one 'failed' import record saying the same thing."""
    after = table_counts(engine)
    added = after["import_batches"] - before["import_batches"]
    assert added in (0, 1)
    assert {k: v for k, v in after.items() if k != "import_batches"} == {
        k: v for k, v in before.items() if k != "import_batches"
    }
    if added:
        with engine.connect() as conn:
            batch = conn.execute(select(ImportBatch.__table__).order_by(ImportBatch.id.desc()).limit(1)).one()
        assert batch.status == "failed" and batch.events_imported == 0
        assert batch.error and batch.error in message


@pytest.fixture
def store(cli_env: str, tmp_path: Path) -> Engine:
    """The test store with one good file already in it, so 'as before' is not just 'empty'."""
    from chronology.db.engine import make_engine

    good = tmp_path / "good.csv"
    good.write_text(template_rows(5))
    assert CliRunner().invoke(cli, ["import", str(good)]).exit_code == 0
    engine = make_engine(cli_env)
    yield engine
    engine.dispose()


@pytest.mark.parametrize("case", sorted(HOSTILE))
def test_a_hostile_file_is_refused_by_name_and_nothing_is_written(case, store, tmp_path):
    name, write = HOSTILE[case]
    path = write(tmp_path / name)
    before = table_counts(store)
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 1, result.output
    line = next(line for line in result.output.splitlines() if line.startswith(f"{name}: "))
    assert "nothing imported" in line and EXPECTED[case] in line and name in line.split("—", 1)[1]
    assert_nothing_written(store, before, line)
    assert "Traceback" not in result.output


@pytest.mark.parametrize("case", ["xxe", "billion-laughs", "external-dtd"])
def test_a_hostile_xml_file_is_refused_even_when_its_format_is_named(case, store, tmp_path):
    name, write = HOSTILE[case]
    path = write(tmp_path / name)
    before = table_counts(store)
    result = CliRunner().invoke(cli, ["import", "--format", "cin-census", str(path)])
    assert result.exit_code == 1 and f"{name}: FAILED, nothing imported" in result.output
    assert EXPECTED[case] in result.output
    assert_nothing_written(store, before, result.output)
    with store.connect() as conn:  # the entity was never resolved into anything kept
        kept = conn.execute(text("SELECT count(*) FROM persons WHERE display_name LIKE '%lol%'")).scalar_one()
    assert kept == 0


def test_an_xlsx_zip_bomb_is_refused_before_it_is_inflated(store, tmp_path, monkeypatch):
    """openpyxl is never asked to open it: the archive's recorded sizes are enough."""
    import openpyxl

    opened: list[object] = []
    monkeypatch.setattr(openpyxl, "load_workbook", lambda *a, **k: opened.append(a) or pytest.fail("opened"))
    name, write = HOSTILE["xlsx-zip-bomb"]
    result = CliRunner().invoke(cli, ["import", "--format", "template", str(write(tmp_path / name))])
    assert result.exit_code == 1 and "likely zip bomb" in result.output and "100 times" in result.output
    assert opened == []


def test_a_file_over_the_limit_is_refused_before_reading(store, tmp_path, monkeypatch):
    monkeypatch.setenv("CHRONOLOGY_MAX_IMPORT_MB", "1")
    big = tmp_path / "big.csv"
    big.write_text(template_rows(40_000))  # about 1.8 MB
    before = table_counts(store)
    result = CliRunner().invoke(cli, ["import", str(big)])
    assert result.exit_code == 1 and "big.csv: FAILED, nothing imported" in result.output
    assert "more than the 1.0 MB allowed" in result.output
    assert_nothing_written(store, before, result.output)


def test_a_path_with_dot_dot_records_only_the_file_name_and_writes_nothing_beside_it(store, tmp_path):
    inner = tmp_path / "a" / "b"
    inner.mkdir(parents=True)
    (tmp_path / "passwd.csv").write_text(template_rows(2, "Traversal", ids="T"))
    listing = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    result = CliRunner().invoke(cli, ["import", str(inner / ".." / ".." / "passwd.csv")])
    assert result.exit_code == 0, result.output
    with store.connect() as conn:
        names = conn.execute(select(ImportBatch.file_name).order_by(ImportBatch.id)).scalars().all()
        sources = set(conn.execute(select(Event.source_file)).scalars())
    assert names[-1] == "passwd.csv" and sources <= {"good.csv", "passwd.csv"}
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == listing


def test_stray_nul_bytes_are_removed_with_a_warning_naming_row_and_field(store, tmp_path):
    path = tmp_path / "nul.csv"
    path.write_bytes(template_rows(4, "Nul", ids="N").encode().replace(b"Nul 2", b"Nu\x00l 2"))
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "nul.csv, row 4, field 'event': NUL characters removed" in result.output
    with store.connect() as conn:
        summaries = set(conn.execute(select(Event.summary).where(Event.source_file == "nul.csv")).scalars())
        warnings = conn.execute(select(func.count()).select_from(ImportIssue)).scalar_one()
    assert "Nul 2" in summaries and len(summaries) == 4 and warnings == 1


def test_utf16_without_a_byte_order_mark_is_read_as_utf16(store, tmp_path):
    path = utf16_without_bom(tmp_path / "utf16.csv", rows=6)
    result = CliRunner().invoke(cli, ["import", str(path)])
    assert result.exit_code == 0, result.output
    assert "events imported     6" in result.output
    assert "UTF-16 text (little-endian) without the byte-order mark" in result.output
    with store.connect() as conn:
        summaries = set(conn.execute(select(Event.summary).where(Event.source_file == "utf16.csv")).scalars())
    assert summaries == {f"Incident at Łódź Road {i}" for i in range(6)}  # no NULs, no mojibake
