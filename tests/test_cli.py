"""The command line, in the exact forms other tools rely on, against a real database."""

from __future__ import annotations

import csv
import random

import pytest
from click.testing import CliRunner
from sqlalchemy import func, select

from chronology.db.engine import make_engine, upgrade
from chronology.db.models import AccessLog, Event, ImportBatch
from chronology.identifiers import make_nhs_number, make_upn
from chronology.record import find_child, load_child
from commands.main import cli

RNG = random.Random(3)
NHS, UPN = make_nhs_number(RNG), make_upn(RNG)
HEADER = ("agency,record_id,seq,start_date,start_time,end_date,end_time,source,child_id,nhs_number,upn,"
          "child_name,child_dob,event,category,impact_on_child,action_outcome,analysis,persons,worker team")
ROWS = [
    f"Police,P1,,03/02/2021,23:40,,,Niche occurrence 43/1234/21,,{NHS},,Kai Jones,02/05/2017,"
    "Domestic incident: mother assaulted by partner,Domestic abuse,Child frightened,DASH medium,,"
    "Sara Jones (mother); Lee Brown (mother's partner),East",
    f"Health,H1,,?03/2021,,,,ED record,,{NHS},,,,Seen in A&E with bruising,Physical injury;Safeguarding,,,"
    "\"Unexplained bruising, =cmd|' /C calc'!A0\",Sara Jones (mother),",
    f"Education,E1,1,04/02/2021,08:50,04/02/2021,09:30,DSL log,,,{UPN},,,Operation Encompass notification,"
    "Operation Encompass,,,,,",
    "Housing,X1,,2019,,,,Housing file,LA1,,,,,\"<script>alert(1)</script> moved to refuge\",Housing,,,,,",
    "Social care,S1,,not a date,,,,Case note,LA1,,,,,Visit recorded,,,,,Dad (father),",
    f"Social care,S2,,05/02/2021,,,,Case note,LA1,{NHS},{UPN},,,Referral received from police,Referral,,,,,",
]


@pytest.fixture
def template_dir(tmp_path):
    folder = tmp_path / "incoming"
    folder.mkdir()
    (folder / "chronology.csv").write_text("\n".join([HEADER, *ROWS]) + "\n", encoding="cp1252")
    (folder / "notes.txt").write_text("not a data file", encoding="utf-8")
    (folder / "other.csv").write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    return folder


def run(*args: str) -> object:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result


def test_import_a_directory_lists_what_was_not_recognised(cli_env, template_dir):
    result = run("import", str(template_dir))
    assert result.exit_code == 0, result.output
    assert "records read        6" in result.output
    assert "events imported     6 (of which undated: 1)" in result.output
    assert "not recognised (2 files" in result.output
    assert "notes.txt" in result.output and "other.csv" in result.output
    assert "row 6, field 'start_date'" in result.output  # the unreadable date, named
    again = run("import", str(template_dir / "chronology.csv"))
    assert "events imported     0" in again.output and "duplicates skipped  6" in again.output
    listing = run("imports", "list")
    assert listing.output.count("chronology.csv") == 2


def test_export_writes_the_csv_and_the_access_log(cli_env, template_dir, tmp_path):
    run("import", str(template_dir))
    out = tmp_path / "kai.csv"
    result = run("export", "LA1", "--out", str(out), "--reason", "case review")
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert len(rows) == 6  # every agency's event: joined by NHS number and LA child ID
    assert {r["agency"] for r in rows} == {"Police", "Health", "Social care", "Housing"} | {"Education"}
    engine = make_engine(cli_env)
    with engine.connect() as conn:
        log = conn.execute(select(AccessLog.__table__)).all()
    assert [(r.actor, r.action, r.reason) for r in log] == [("test-officer", "export", "case review")]
    # the same child is found by any of its identifiers
    for identifier in (NHS, UPN):
        assert run("export", identifier, "--out", str(tmp_path / "x.csv")).exit_code == 0


def test_export_of_unknown_child_is_a_clear_error(cli_env, tmp_path):
    result = CliRunner().invoke(cli, ["export", "NOPE", "--out", str(tmp_path / "x.csv")])
    assert result.exit_code != 0 and "no child with LA child ID, NHS number or UPN 'NOPE'" in result.output


def test_undecodable_file_fails_clearly_and_changes_nothing(cli_env, tmp_path, template_dir):
    run("import", str(template_dir / "chronology.csv"))
    bad = tmp_path / "bad.csv"
    bad.write_bytes((HEADER + "\n" + ROWS[0] + "\n").encode("cp1252") + b"Police,P9,,01/01/2021,\x81\n")
    engine = make_engine(cli_env)
    with engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(Event)).scalar_one()
    result = CliRunner().invoke(cli, ["import", str(bad)])
    assert result.exit_code == 1
    assert "bad.csv: FAILED, nothing imported" in result.output and "0x81" in result.output
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(Event)).scalar_one() == before
        statuses = conn.execute(select(ImportBatch.status).order_by(ImportBatch.id)).scalars().all()
    assert statuses == ["completed", "failed"]


def test_people_commands_confirm_reject_and_undo(cli_env, tmp_path):
    data = tmp_path / "two.csv"
    data.write_text("\n".join([
        "agency,record_id,start_date,source,child_id,child_name,child_dob,event",
        "Social care,S1,01/02/2021,Case note,LA5,Ann Smith,03/04/2018,Visit",
        "Housing,X1,02/02/2021,Housing file,,Ann Smith,03/04/2018,Tenancy",
    ]) + "\n", encoding="utf-8")
    run("import", str(data))
    listing = run("people", "suggestions")
    suggestion_id = listing.output.split("\t")[0]
    assert "same date of birth 2018-04-03" in listing.output
    confirmed = run("people", "confirm", suggestion_id)
    assert "confirmed" in confirmed.output
    merges = run("people", "merges", "LA5")
    merge_id = merges.output.split("\t")[0]
    assert "confirmed_suggestion" in merges.output
    assert run("people", "undo", merge_id, "--reason", "different child").exit_code == 0
    assert "undone by test-officer: different child" in run("people", "merges", "LA5").output
    again = CliRunner().invoke(cli, ["people", "confirm", suggestion_id])
    assert again.exit_code != 0 and "already rejected" in again.output  # the undo rejected the pair


def test_export_reimports_to_the_same_chronology(cli_env, template_dir, tmp_path):
    run("import", str(template_dir))
    out = tmp_path / "export.csv"
    run("export", "LA1", "--out", str(out))
    original = _chronology(make_engine(cli_env), "LA1")

    fresh_url = f"sqlite:///{tmp_path / 'fresh.sqlite3'}"
    upgrade(fresh_url)
    runner = CliRunner(env={"CHRONOLOGY_DATABASE_URL": fresh_url})
    result = runner.invoke(cli, ["import", "--format", "template", str(out)], catch_exceptions=False)
    assert "rows rejected       0" in result.output, result.output
    assert _chronology(make_engine(fresh_url), "LA1") == original
    # and into the same database it adds nothing
    again = run("import", "--format", "template", str(out))
    assert "events imported     0" in again.output


def _chronology(engine, child_id):
    with engine.connect() as conn:
        record = load_child(conn, find_child(conn, child_id))
    return [
        (e.date, e.date_text if e.date is None else None, e.time, e.end, e.end_time, e.agency, e.source,
         e.event_type, e.categories, e.significant, e.summary, e.impact_on_child, e.action_outcome, e.analysis,
         [p.display for p in e.persons], e.child_voice, e.source_record_id)
        for e in record.entries
    ]


def test_files_over_the_size_limit_are_refused_by_name(cli_env, template_dir, monkeypatch):
    monkeypatch.setenv("CHRONOLOGY_MAX_IMPORT_MB", "1")
    big = template_dir / "big.csv"
    big.write_text(HEADER + "\n" + (ROWS[0] + "\n") * 6000, encoding="utf-8")  # about 1.6 MB
    result = CliRunner().invoke(cli, ["import", str(big)])
    assert result.exit_code == 1 and "big.csv: FAILED" in result.output
    assert "MB" in result.output
    ok = CliRunner().invoke(cli, ["import", "--max-mb", "5", str(big)])
    assert ok.exit_code == 0, ok.output


def test_large_files_show_a_progress_bar_and_small_ones_do_not(cli_env, template_dir, monkeypatch):
    import commands.importing as importing

    small = CliRunner().invoke(cli, ["import", str(template_dir / "chronology.csv")])
    assert "importing chronology.csv" not in small.output
    monkeypatch.setattr(importing, "PROGRESS_THRESHOLD", 1)  # treat this file as large
    big = template_dir / "big.csv"
    big.write_text(HEADER + "\n" + "\n".join(ROWS[0].replace("P1", f"P{i}", 1) for i in range(2, 60)) + "\n")
    result = CliRunner().invoke(cli, ["import", str(big)])
    assert result.exit_code == 0, result.output
    assert "importing big.csv" in result.output
    assert "events imported     58" in result.output
