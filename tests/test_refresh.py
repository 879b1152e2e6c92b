"""Derived analysis is never stale: import -> export shows clusters, a second agency's file for the same
child gives a new cluster at once, identity decisions and undone merges rebuild the children they touch,
and a refresh that stops part way is finished by the next one. No `chronology link` anywhere."""

from __future__ import annotations

import csv
from pathlib import Path

from click.testing import CliRunner
from sqlalchemy import func, select, update

from chronology.analysis.flag_store import stored_children
from chronology.analysis.refresh import refresh_queued
from chronology.analysis_queue import queue_persons, queue_size
from chronology.db.models import (
    AnalysisQueue,
    AuditSnapshot,
    EventGroup,
    MatchSuggestion,
    Person,
    PersonMerge,
)
from chronology.identifiers import upn_check_letter
from chronology.record import find_child
from commands.main import cli
from importers.base import ImportOptions
from importers.police import PoliceImporter
from services.importing import import_file

UPN_BODY = "938201200001"
UPN = upn_check_letter(UPN_BODY) + UPN_BODY
POLICE_HEADER = [
    "occurrence_ref", "occurred_at", "occurrence_type", "domestic_abuse", "dash_risk", "children_present",
    "summary", "nominal_id", "nominal_role", "surname", "forenames", "dob", "sex", "upn",
]  # fmt: skip
SCHOOL_HEADER = [
    "incident_id", "school_urn", "school_name", "upn", "surname", "forenames", "dob", "date", "time",
    "category", "description", "action_taken", "police_reference", "recorded_by",
]  # fmt: skip


def _write(path: Path, header: list[str], rows: list[list[str]]) -> Path:
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(header)
        writer.writerows(rows)
    return path


def _police(path: Path, ref: str, when: str) -> Path:
    child = [ref, when, "Domestic incident", "Y", "medium", "Y", "Shouting heard by neighbours"]
    return _write(
        path,
        POLICE_HEADER,
        [
            [*child, "N100", "child present", "Lowe", "Ava", "2015-03-14", "F", UPN],
            [*child, "N200", "victim", "Lowe", "Kim", "1990-01-02", "F", ""],
            [*child, "N300", "suspect", "Tate", "Rob", "1988-05-06", "M", ""],
        ],
    )


def _school(path: Path, quoted: str, day: str) -> Path:
    return _write(
        path,
        SCHOOL_HEADER,
        [
            ["S-1", "100001", "Oak Lane Primary", UPN, "Lowe", "Ava", "14/03/2015", day, "08:40",
             "Operation Encompass", "Notification received from police", "DSL informed", quoted, "Ms Reed"],
        ],
    )  # fmt: skip


def _export(tmp_path: Path, name: str) -> list[dict[str, str]]:
    out = tmp_path / name
    result = CliRunner().invoke(cli, ["export", UPN, "--out", str(out)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return list(csv.DictReader(out.open(encoding="utf-8-sig")))


def _import(*paths: Path) -> str:
    result = CliRunner().invoke(cli, ["import", *map(str, paths)], catch_exceptions=False)
    assert result.exit_code == 0 and "FAILED" not in result.output, result.output
    return result.output


def test_a_second_agencys_file_for_the_same_child_shows_its_cluster_at_the_next_export(cli_env, tmp_path):
    _import(_police(tmp_path / "police.csv", "OCC18/001016", "2022-03-01 22:10"))
    first = _export(tmp_path, "first.csv")
    assert [row["agency"] for row in first] == ["Police"]
    assert first[0]["incident_cluster"], "a police occurrence is an incident cluster of its own at once"

    output = _import(_school(tmp_path / "school.csv", "occ18 001016", "02/03/2022"))
    assert "brought up to date for 1 children" in output
    second = _export(tmp_path, "second.csv")
    assert sorted(row["agency"].split(":")[0] for row in second) == ["Education", "Police"]
    clusters = {row["incident_cluster"] for row in second}
    assert len(clusters) == 1 and "" not in clusters, second


def test_the_audit_store_is_current_after_every_import(cli_env, engine, tmp_path):
    _import(_police(tmp_path / "one.csv", "47/123456/19", "2022-01-10 20:00"))
    with engine.connect() as conn:
        (stored,) = list(stored_children(conn))
        assert [i.day.isoformat() for i in stored.incidents] == ["2022-01-10"]
    _import(_police(tmp_path / "two.csv", "47/123457/19", "2022-03-10 20:00"))
    _import(_police(tmp_path / "three.csv", "47/123458/19", "2022-05-10 20:00"))
    with engine.connect() as conn:
        (stored,) = list(stored_children(conn))
        assert len(stored.incidents) == 3
        assert "da_escalation" in {flag.pattern for flag in stored.flags}
        assert queue_size(conn) == 0


def test_an_unmatched_quoted_reference_is_counted_in_the_report_and_kept_on_the_event(
    cli_env, engine, tmp_path
):
    _import(_police(tmp_path / "police.csv", "TVP-2019-0012345", "2022-03-01 22:10"))
    output = _import(_school(tmp_path / "school.csv", "TVP-2019-0099999", "02/03/2022"))
    assert "1 quoted police references match no police occurrence" in output
    shown = CliRunner().invoke(cli, ["imports", "show", "2"], catch_exceptions=False).output
    assert "unmatched reference: school.csv, row 2: TVP-2019-0099999 matches no police occurrence" in shown
    rows = _export(tmp_path, "export.csv")
    assert len({row["incident_cluster"] for row in rows if row["incident_cluster"]}) == 2  # not joined
    with engine.connect() as conn:
        held = conn.execute(select(EventGroup.__table__.c.unmatched_refs).where(EventGroup.__table__.c.unmatched_refs.is_not(None))).scalars().all()  # fmt: skip
    assert held == [["TVP-2019-0099999"]]
    # the occurrence arrives later: the reference matches, the cluster forms, nothing is unmatched
    _import(_police(tmp_path / "late.csv", "TVP-2019-0099999", "2022-03-01 23:50"))
    with engine.connect() as conn:
        assert not conn.execute(select(EventGroup.__table__.c.unmatched_refs).where(EventGroup.__table__.c.unmatched_refs.is_not(None))).scalars().all()  # fmt: skip


def _split_child(tmp_path: Path) -> None:
    """The same child in two files with nothing to join on but name and date of birth."""
    _import(_police(tmp_path / "police.csv", "OCC18/001016", "2022-03-01 22:10"))
    rows = [
        ["S-1", "100001", "Oak Lane Primary", "", "Lowe", "Ava", "14/03/2015", "02/03/2022", "08:40",
         "Operation Encompass", "Notification received from police", "DSL informed", "OCC18/001016", "Ms Reed"],
    ]  # fmt: skip
    _import(_write(tmp_path / "school.csv", SCHOOL_HEADER, rows))


def test_confirming_a_suggestion_and_undoing_the_merge_rebuild_the_children_at_once(
    cli_env, engine, tmp_path
):
    _split_child(tmp_path)
    with engine.connect() as conn:
        suggestion = conn.execute(select(MatchSuggestion.__table__.c.id)).scalar_one()
        assert conn.execute(select(func.count()).select_from(AuditSnapshot.__table__)).scalar_one() == 2
    result = CliRunner().invoke(cli, ["people", "confirm", str(suggestion)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    rows = _export(tmp_path, "joined.csv")
    assert len(rows) == 2 and len({row["incident_cluster"] for row in rows}) == 1
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditSnapshot.__table__)).scalar_one() == 1
        merge = conn.execute(select(PersonMerge.__table__.c.id).where(PersonMerge.__table__.c.method == "confirmed_suggestion")).scalar_one()  # fmt: skip
    undone = CliRunner().invoke(cli, ["people", "undo", str(merge), "--reason", "not the same child"])
    assert undone.exit_code == 0, undone.output
    rows = _export(tmp_path, "apart.csv")
    assert [row["agency"] for row in rows] == ["Police"]
    with engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(AuditSnapshot.__table__)).scalar_one() == 2
        assert queue_size(conn) == 0


def test_a_refresh_that_stopped_part_way_is_finished_by_the_next_and_a_requeue_is_not_lost(
    engine, cli_env, tmp_path, monkeypatch
):
    path = _police(tmp_path / "police.csv", "OCC18/001016", "2022-03-01 22:10")
    # the import committed, then the process stopped before its refresh
    report = import_file(engine, path, PoliceImporter, ImportOptions(), actor="t", refresh=False)
    assert report.status == "completed"
    with engine.connect() as conn:
        child = find_child(conn, UPN)
        assert queue_size(conn) and not conn.execute(select(EventGroup.__table__)).all()
    rows = _export(tmp_path, "read-anyway.csv")  # reading a waiting child rebuilds it first
    assert rows[0]["incident_cluster"]
    tally = refresh_queued(engine)  # the read took the child off the queue: nothing is left to do
    assert tally.children == 0
    with engine.connect() as conn:
        assert queue_size(conn) == 0
        assert conn.execute(select(func.count()).select_from(EventGroup.__table__)).scalar_one() == 1
    # queued again while a refresh runs (a concurrent import): that refresh must leave it queued
    import chronology.analysis.refresh as refresh

    real = refresh.children_of

    def concurrent_import(conn, person_ids):  # type: ignore[no-untyped-def]
        found = real(conn, person_ids)
        with engine.begin() as other:
            other.execute(update(AnalysisQueue.__table__).values(queued_at=func.now()))
            queue_persons(other, [child], "a second import while the first refresh runs")
        return found

    with engine.begin() as conn:
        queue_persons(conn, [child], "first import")
    monkeypatch.setattr(refresh, "children_of", concurrent_import)
    assert refresh_queued(engine).children == 1
    monkeypatch.setattr(refresh, "children_of", real)
    with engine.connect() as conn:
        assert queue_size(conn) == 1
    assert refresh_queued(engine).children == 1
    with engine.connect() as conn:
        assert queue_size(conn) == 0


def test_upgrading_a_store_queues_every_child_and_init_db_brings_them_up_to_date(tmp_path, monkeypatch):
    from sqlalchemy import insert

    from chronology.db.engine import make_engine, upgrade
    from chronology.db.models import Person

    url = f"sqlite:///{tmp_path / 'old.sqlite3'}"
    upgrade(url, "0006")  # a store built before the canonical fields and the queue
    engine = make_engine(url)
    with engine.begin() as conn:
        conn.execute(insert(Person.__table__), [
            {"source_system": "cin-census", "is_child": True, "display_name": "A"},
            {"source_system": "cin-census", "is_child": True, "display_name": "B"},
            {"source_system": "police", "is_child": False, "display_name": "An adult"},
        ])  # fmt: skip
    upgrade(url)
    with engine.connect() as conn:
        assert queue_size(conn) == 2
    monkeypatch.setenv("CHRONOLOGY_DATABASE_URL", url)
    monkeypatch.setenv("CHRONOLOGY_INSTANCE_DIR", str(tmp_path / "instance"))
    result = CliRunner().invoke(cli, ["init-db"], catch_exceptions=False)
    assert result.exit_code == 0 and "brought up to date for 2 children" in result.output, result.output
    with engine.connect() as conn:
        assert queue_size(conn) == 0
        assert conn.execute(select(func.count()).select_from(AuditSnapshot.__table__)).scalar_one() == 2
    engine.dispose()


def test_reading_a_waiting_child_rebuilds_them_once_and_takes_their_records_off_the_queue(
    engine, cli_env, tmp_path, monkeypatch
):
    import chronology.analysis.refresh as refresh
    from chronology.people import group_members
    from chronology.record import load_child

    path = _police(tmp_path / "police.csv", "OCC18/001017", "2022-03-02 22:10")
    report = import_file(engine, path, PoliceImporter, ImportOptions(), actor="t", refresh=False)
    assert report.status == "completed"
    rebuilt: list[int] = []
    real = refresh.refresh_child
    monkeypatch.setattr(
        refresh, "refresh_child", lambda conn, root, *a: rebuilt.append(root) or real(conn, root, *a)
    )
    with engine.begin() as conn:
        child = find_child(conn, UPN)
        adult = conn.execute(
            select(Person.__table__.c.id).where(Person.__table__.c.is_child.is_(False))
        ).scalar()
        queue_persons(conn, [adult], "an adult's record changed")  # their children are rebuilt by the refresh
        first = load_child(conn, child)
    with engine.begin() as conn:
        second = load_child(conn, child)
        members = group_members(conn, child)
        queued = {int(p) for p in conn.execute(select(AnalysisQueue.__table__.c.person_id)).scalars()}
    assert rebuilt == [child]  # the second read found the child current
    assert first.entries[0].incident_cluster and second.entries[0].incident_cluster
    assert not queued & set(members)  # the child's own records are off the queue
    assert queued == {adult}  # a queued adult stays: their other children may still wait
