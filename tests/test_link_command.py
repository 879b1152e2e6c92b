"""``chronology link`` on an imported authority: stored graph, idempotent reruns, the CSV columns, and
incident clusters measured against the generator's ground truth."""

from __future__ import annotations

import csv
import importlib.util
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import select, update

from chronology.analysis.graph_store import stored_graph
from chronology.analysis.load import iter_child_ids, load_child_facts
from chronology.db.models import EventGroup, EventLink, LinkRun
from chronology.record import find_child, load_child
from commands.link import run_link
from commands.main import cli

BENCH = Path(__file__).resolve().parent.parent / "bench"


def _module(name: str):
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault(name, module)
    spec.loader.exec_module(module)
    return module


link_truth = _module("link_truth")
iq = _module("identity_quality")


def _rows(engine):
    with engine.connect() as conn:
        return (
            sorted(tuple(r) for r in conn.execute(select(EventLink.__table__))),
            sorted(tuple(r) for r in conn.execute(select(EventGroup.__table__))),
            sorted(tuple(r) for r in conn.execute(select(LinkRun.__table__))),
        )


@pytest.fixture
def authority(cli_env, tmp_path):
    out = tmp_path / "la"
    runner = CliRunner()
    assert (
        runner.invoke(
            cli, ["generate", "--out", str(out), "--children", "30", "--seed", "3", "--formats", "native"]
        ).exit_code
        == 0
    )
    result = runner.invoke(cli, ["import", str(out)], catch_exceptions=False)
    assert "FAILED" not in result.output
    return out


def test_the_import_stores_the_graph_and_link_then_changes_nothing(authority, engine, tmp_path):
    links, groups, runs = _rows(engine)  # what `chronology import` left, with no `chronology link`
    assert links and groups and runs
    assert {row[4] for row in links} <= {"same_incident", "led_to", "same_person", "follows"}
    assert all(row[5] for row in links)  # every stored edge has its reason
    first = CliRunner().invoke(cli, ["link", "--workers", "1"], catch_exceptions=False)
    assert first.exit_code == 0, first.output
    assert " 0 updated" in first.output, first.output
    assert _rows(engine) == (links, groups, runs)
    # a rebuild of everyone (stored inputs no longer matching) writes the same graph again
    with engine.begin() as conn:
        conn.execute(update(LinkRun.__table__).values(fingerprint="stale"))
    second = CliRunner().invoke(cli, ["link", "--workers", "2"], catch_exceptions=False)
    assert " 0 unchanged" in second.output, second.output
    assert _rows(engine)[:2] == (links, groups)

    # the export fills incident_cluster and episode from the stored graph
    with engine.connect() as conn:
        clustered = conn.execute(
            select(EventGroup.__table__.c.child_id).where(
                EventGroup.__table__.c.incident_cluster.is_not(None)
            )
        ).scalars()
        records = [load_child(conn, child_id, with_events=False) for child_id in sorted(set(clustered))]
    la_id = next(r.identifiers["la_child_id"][0] for r in records if "la_child_id" in r.identifiers)
    out = tmp_path / "export.csv"
    assert CliRunner().invoke(cli, ["export", la_id, "--out", str(out)]).exit_code == 0
    rows = list(csv.DictReader(out.open(encoding="utf-8-sig")))
    assert any(r["incident_cluster"] for r in rows) and any(r["episode"] for r in rows)
    for r in rows:
        if r["incident_cluster"]:
            assert r["episode"], "an incident cluster lies inside an episode"


def test_facts_read_the_stored_graph_when_current_and_compute_it_otherwise(authority, engine, cli_env):
    with engine.connect() as conn:
        child_id = next(c for c in iter_child_ids(conn) if load_child_facts(conn, c).clusters)
        computed = load_child_facts(conn, child_id)
    assert computed.clusters and computed.episodes
    run_link(cli_env, child_ids=[child_id], workers=1)
    with engine.begin() as conn:
        conn.execute(
            update(EventLink.__table__)
            .where(EventLink.__table__.c.child_id == child_id)
            .values(reason="as stored")
        )
        stored = load_child_facts(conn, child_id)
    assert {link.reason for link in stored.links} == {"as stored"}
    assert (stored.clusters, stored.episodes) == (computed.clusters, computed.episodes)
    # a changed input (here: the link settings' digest no longer matching) means recompute
    with engine.begin() as conn:
        conn.execute(
            update(LinkRun.__table__).where(LinkRun.__table__.c.child_id == child_id).values(fingerprint="stale")
        )
        assert stored_graph(conn, load_child_facts(conn, child_id, links=False)) is None
        again = load_child_facts(conn, child_id)
    assert [link.reason for link in again.links] == [link.reason for link in computed.links]
    # and relinking repairs the stored rows
    tally = run_link(cli_env, child_ids=[child_id], workers=1)
    assert tally.changed == 1
    with engine.connect() as conn:
        assert "as stored" not in {r.reason for r in conn.execute(select(EventLink.__table__))}


def test_link_one_child_by_identifier(authority, engine):
    with engine.connect() as conn:
        assert find_child(conn, "LA0000001") is not None
    result = CliRunner().invoke(cli, ["link", "--child", "LA0000001"], catch_exceptions=False)
    assert result.exit_code == 0 and "linked 1 children" in result.output
    missing = CliRunner().invoke(cli, ["link", "--child", "NOPE"])
    assert missing.exit_code != 0 and "no child" in missing.output


def test_facts_name_family_coverage_and_people_by_their_joined_person(authority, engine):
    with engine.connect() as conn:
        child = load_child_facts(conn, find_child(conn, "LA0000001"))
    assert child.la_child_id == "LA0000001" and child.dob is not None
    assert {"Police", "Education", "Children's social care"} <= set(child.coverage)
    assert child.family and all(member.person_ids for member in child.family)
    assert child.as_of == max(end for _, end in child.coverage.values())
    assert [f.day for f in child.facts if f.day] == sorted(f.day for f in child.facts if f.day)
    named = [p for f in child.facts for p in f.persons if p.person_id is not None]
    assert named
    from chronology.people import root_of

    with engine.connect() as conn:
        assert all(root_of(conn, p.person_id) == p.person_id for p in named)


def test_every_planted_cross_agency_incident_is_one_cluster_and_no_decoy_joins(
    engine, tmp_path, database_url
):
    iq.run(engine, tmp_path / "authority", children=40, seed=5)
    run_link(database_url, child_ids=None, workers=2)
    score = link_truth.score(engine, tmp_path / "authority" / "ground-truth.json")
    assert score.incidents >= 20 and score.decoys >= 1
    assert score.unresolved == []
    assert score.split == []
    assert score.together == score.incidents
    assert score.decoys_clustered == []
    assert score.recall == 1.0
    assert score.precision >= 0.95


def test_after_a_merge_is_undone_relinking_gives_each_event_to_its_own_child(engine, database_url):
    from chronology.analysis.load import iter_child_ids
    from chronology.people import merges_for, root_of, undo_merge
    from tests.factories import one_child_two_agencies
    from tests.helpers import import_file

    police_row, school_row = one_child_two_agencies()
    import_file(engine, [police_row], "police.csv", "template")
    import_file(engine, [school_row], "school.csv", "template")
    run_link(database_url, child_ids=None, workers=1)
    with engine.connect() as conn:
        (joined,) = list(iter_child_ids(conn))
        owners = {r.child_id for r in conn.execute(select(EventGroup.__table__))}
    assert owners == {joined}
    with engine.begin() as conn:
        (merge,) = merges_for(conn, joined)
        undo_merge(conn, merge.id, "officer", "two different children")
    run_link(database_url, child_ids=None, workers=1)
    with engine.connect() as conn:
        roots = set(iter_child_ids(conn))
        assert len(roots) == 2
        from chronology.db.models import Event

        events = Event.__table__
        for row in conn.execute(
            select(EventGroup.__table__.c.child_id, events.c.subject_id).join(
                events, events.c.id == EventGroup.__table__.c.event_id
            )
        ):
            assert row.child_id == root_of(conn, row.subject_id)
        assert {r.child_id for r in conn.execute(select(LinkRun.__table__))} == roots
