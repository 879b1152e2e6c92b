"""`chronology audit` and `chronology cohort` against a generated authority and its ground truth."""

from __future__ import annotations

import csv
import json
import re
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import create_engine, select, text

from chronology.db.engine import make_engine
from chronology.db.models import AccessLog
from chronology.record import find_child
from commands.main import cli

PLAN_START = re.compile(r"child protection plan (\d{4}-\d\d-\d\d) to")


def invoke(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def authority_db(migrated_database, tmp_path_factory) -> Iterator[tuple[str, dict]]:
    """A generated authority in the agencies' native formats, imported once for this module's tests
    (they only read it, but for the access log): (database URL, ground truth)."""
    dialect, where = migrated_database
    folder = tmp_path_factory.mktemp("authority")
    if dialect == "sqlite":
        shutil.copy(where, folder / "la.sqlite3")
        url = f"sqlite:///{folder / 'la.sqlite3'}"
    else:
        url = where
        _empty_postgres(url)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("CHRONOLOGY_DATABASE_URL", url)
        patch.setenv("CHRONOLOGY_INSTANCE_DIR", str(folder / "instance"))
        out = folder / "la"
        invoke("generate", "--out", str(out), "--children", "120", "--seed", "5", "--formats", "native")
        invoke("import", str(out))
    yield url, json.loads((out / "ground-truth.json").read_text(encoding="utf-8"))


def _empty_postgres(url: str) -> None:
    engine = create_engine(url)
    with engine.begin() as conn:
        tables = conn.execute(
            text(
                "SELECT tablename FROM pg_tables WHERE schemaname='public' AND tablename <> 'alembic_version'"
            )
        ).scalars()
        conn.execute(text(f"TRUNCATE {', '.join(tables)} RESTART IDENTITY CASCADE"))
    engine.dispose()


@pytest.fixture
def authority(authority_db, monkeypatch) -> dict:
    """The imported authority's ground truth, with the command line pointed at its database."""
    url, truth = authority_db
    monkeypatch.setenv("CHRONOLOGY_DATABASE_URL", url)
    monkeypatch.setenv("CHRONOLOGY_ACTOR", "test-officer")
    return truth


def listed(output: str) -> dict[str, list[str]]:
    """``cohort`` output: child ID -> the starts of the plans that matched."""
    rows = [line.split("\t", 1) for line in output.splitlines()[1:]]
    return {child_id: PLAN_START.findall(why) for child_id, why in rows}


def read_panel(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.DictReader(handle))


def test_each_seed_audit_is_reproduced_exactly_as_a_cohort(authority, tmp_path):
    as_of = authority["as_of"]
    bucks = listed(invoke("cohort", "--cohort", "bucks_2019", "--as-of", as_of, "--workers", "2"))
    expected: dict[str, list[str]] = {}
    for entry in authority["cohort_bucks_2019"]:
        expected.setdefault(entry["la_child_id"], []).append(entry["plan_start"])
    assert expected, "the generated authority should hold children of the Buckinghamshire cohort"
    assert bucks == expected  # the same children, and for each the same plan(s)

    listing = tmp_path / "cohort.csv"
    repeat = listed(
        invoke(
            "cohort", "--cohort", "south_glos_2025", "--as-of", as_of, "--workers", "2", "--out", str(listing)
        )
    )
    assert set(repeat) == {entry["la_child_id"] for entry in authority["cohort_south_glos_2025"]}
    rows = read_panel(listing)
    assert [row["child_id"] for row in rows] == list(repeat)
    assert all(re.search(r"\d child protection plans", row["why"]) for row in rows)
    # and the cohorts are a choice: planted children on a plan are left out of each
    on_plan = {c["la_child_id"] for c in authority["children"] if any(p["kind"] == "CP" for p in c["plans"])}
    assert on_plan - set(bucks) and on_plan - set(repeat)


def test_audit_writes_one_row_per_flag_for_the_cohort_and_logs_each_child(authority, authority_db, tmp_path):
    out = tmp_path / "panel.csv"
    as_of = authority["as_of"]
    said = invoke(
        "audit",
        "--cohort",
        "south_glos_2025",
        "--pattern",
        "repeat_cp_plan",
        "--as-of",
        as_of,
        "--workers",
        "2",
        "--out",
        str(out),
        "--reason",
        "multi-agency audit of repeat plans",
    )
    rows = read_panel(out)
    repeat_children = {entry["la_child_id"] for entry in authority["cohort_south_glos_2025"]}
    assert list(rows[0]) == ["child_id", "pattern", "evidence_from", "evidence_to", "events", "detail"]
    assert {row["pattern"] for row in rows} == {"repeat_cp_plan"}
    assert {row["child_id"] for row in rows} == repeat_children
    plans = {e["la_child_id"]: len(e["plans"]) for e in authority["cohort_south_glos_2025"]}
    assert len(rows) == sum(n - 1 for n in plans.values())  # one flag per plan after the first
    assert f"{len(repeat_children)} children in the cohort" in said

    engine = make_engine(authority_db[0])
    log = AccessLog.__table__
    with engine.connect() as conn:
        logged = conn.execute(
            select(log.c.person_id, log.c.actor, log.c.detail).where(
                log.c.action == "export", log.c.reason == "multi-agency audit of repeat plans"
            )
        ).all()
        cohort_people = {find_child(conn, child_id) for child_id in repeat_children}
    engine.dispose()
    # one entry per child in the file, naming that child, who exported it and where to
    assert sorted(r.person_id for r in logged) == sorted(cohort_people)
    assert {r.actor for r in logged} == {"test-officer"}
    assert all(str(out) in r.detail and "south_glos_2025" in r.detail for r in logged)


def test_the_same_panel_whether_one_process_or_several(authority, tmp_path):
    one, several = tmp_path / "one.csv", tmp_path / "several.csv"
    common = ["--cohort", "bucks_2019", "--as-of", authority["as_of"]]
    invoke("audit", *common, "--workers", "1", "--out", str(one))
    invoke("audit", *common, "--workers", "3", "--out", str(several))
    assert one.read_bytes() == several.read_bytes()
    assert {row["child_id"] for row in read_panel(one)} <= {
        e["la_child_id"] for e in authority["cohort_bucks_2019"]
    }
    assert read_panel(one), "the Buckinghamshire children have flags (fathers unseen, the child's voice)"


def test_filters_narrow_a_preset_and_patterns_present_select_children(authority):
    as_of = authority["as_of"]
    everyone = listed(invoke("cohort", "--cohort", "south_glos_2025", "--as-of", as_of, "--workers", "1"))
    short_gap = listed(
        invoke(
            "cohort",
            "--cohort",
            "south_glos_2025",
            "--has-pattern",
            "short_gap_between_plans",
            "--as-of",
            as_of,
            "--workers",
            "1",
        )
    )
    planted = {c["la_child_id"] for c in authority["children"] if "short_gap_between_plans" in c["planted"]}
    assert set(short_gap) == planted & set(everyone)
    assert set(short_gap) < set(everyone)


def test_the_commands_refuse_what_they_cannot_do(tmp_path, monkeypatch):
    # refused before any database is opened
    monkeypatch.setenv("CHRONOLOGY_DATABASE_URL", f"sqlite:///{tmp_path / 'never.sqlite3'}")
    runner = CliRunner()
    bad_code = runner.invoke(cli, ["audit", "--pattern", "no_such_rule", "--out", str(tmp_path / "x.csv")])
    assert bad_code.exit_code != 0 and "unknown pattern code(s) no_such_rule" in bad_code.output
    bad_preset = runner.invoke(cli, ["cohort", "--cohort", "nope"])
    assert bad_preset.exit_code != 0 and "known: bucks_2019, south_glos_2025" in bad_preset.output
    bad_theme = runner.invoke(cli, ["cohort", "--theme", "sadness"])
    assert bad_theme.exit_code != 0 and "unknown risk theme" in bad_theme.output
    bad_range = runner.invoke(cli, ["cohort", "--age-min", "6", "--age-max", "5"])
    assert bad_range.exit_code != 0 and "above its maximum" in bad_range.output
    presets = runner.invoke(cli, ["cohort", "--list-presets"])
    assert presets.exit_code == 0 and "bucks_2019" in presets.output and "south_glos_2025" in presets.output
    assert not (tmp_path / "never.sqlite3").exists()


def test_harm_prints_the_index_by_month_and_writes_what_the_api_returns(authority, authority_db, tmp_path):
    # a school-age child whose school recorded the domestic abuse (Operation Encompass, joined by UPN)
    child = next(c for c in authority["children"] if c["scenario"] in ("escalation_isolated", "isolated_da"))
    printed = invoke("harm", child["la_child_id"], "--as-of", authority["as_of"])
    assert "what moved it:" in printed and "points" in printed
    out = tmp_path / "harm.json"
    invoke("harm", child["la_child_id"], "--as-of", authority["as_of"], "--json", str(out))
    series = json.loads(out.read_text(encoding="utf-8"))
    assert series["points"][-1]["date"] == authority["as_of"]
    assert {"index", "active_theme_count", "events"} <= set(series["points"][-1])
    assert any(c["kind"] == "harm" for c in series["contributions"])
    engine = make_engine(authority_db[0])
    log = AccessLog.__table__
    with engine.connect() as conn:
        person = find_child(conn, child["la_child_id"])
        actions = conn.execute(select(log.c.action).where(log.c.person_id == person)).scalars().all()
    engine.dispose()
    assert "view" in actions and "export" in actions
