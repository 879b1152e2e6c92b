"""The refresh writes children in groups (one transaction, a few statements for many children): what it
stores must be exactly what writing them one at a time stores, including when a stored row's event has
moved to another child in the same group (a merge undone)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from chronology.analysis import refresh
from chronology.analysis.load import iter_child_ids
from chronology.analysis_queue import queue_persons
from chronology.db.models import AuditFlag, AuditSnapshot, Event, EventGroup, EventLink, LinkRun
from chronology.people import merges_for, root_of, undo_merge
from commands.main import cli
from tests.factories import one_child_two_agencies
from tests.helpers import import_file

ANALYSIS_TABLES = (EventLink, EventGroup, LinkRun, AuditFlag, AuditSnapshot)
# columns that differ between two equal writes: row ids and the time of writing
NOT_COMPARED = {"id", "built_at", "computed_at"}


def _stored(engine) -> dict[str, list[tuple]]:
    """Every stored analysis row, without ids and timestamps, in a stable order."""
    found = {}
    with engine.connect() as conn:
        for model in ANALYSIS_TABLES:
            table = model.__table__
            columns = [c for c in table.c if c.name not in NOT_COMPARED]
            found[table.name] = sorted(tuple(repr(v) for v in row) for row in conn.execute(select(*columns)))
    return found


def _forget_and_queue_everyone(engine) -> None:
    with engine.begin() as conn:
        for model in ANALYSIS_TABLES:
            conn.execute(delete(model.__table__))
        queue_persons(conn, list(iter_child_ids(conn)), "test")


@pytest.fixture
def authority(cli_env, tmp_path):
    out = tmp_path / "la"
    runner = CliRunner()
    made = runner.invoke(
        cli, ["generate", "--out", str(out), "--children", "24", "--seed", "5", "--formats", "native"]
    )
    assert made.exit_code == 0, made.output
    result = runner.invoke(cli, ["import", str(out)], catch_exceptions=False)
    assert "FAILED" not in result.output
    return out


def test_children_written_in_groups_store_exactly_what_one_at_a_time_stores(authority, engine, monkeypatch):
    grouped = _stored(engine)  # the import's own refresh, groups of refresh.WRITE_GROUP
    assert grouped["event_links"] and grouped["audit_snapshots"] and grouped["event_groups"]
    assert len(grouped["link_runs"]) > refresh.WRITE_GROUP // 4  # many children shared one write
    _forget_and_queue_everyone(engine)
    monkeypatch.setattr(refresh, "WRITE_GROUP", 1)
    tally = refresh.refresh_queued(engine, workers=1)
    assert tally.children == len(grouped["link_runs"])
    assert _stored(engine) == grouped
    # and again in groups over what is stored now: nothing changes
    with engine.begin() as conn:
        queue_persons(conn, list(iter_child_ids(conn)), "test")
    monkeypatch.setattr(refresh, "WRITE_GROUP", 7)
    again = refresh.refresh_queued(engine, workers=1)
    assert again.graphs_changed == 0
    assert _stored(engine) == grouped


def test_an_undone_merge_refreshed_in_one_group_gives_each_event_to_its_own_child(engine):
    police_row, school_row = one_child_two_agencies()
    import_file(engine, [police_row], "police.csv", "template")
    import_file(engine, [school_row], "school.csv", "template")
    refresh.refresh_queued(engine, workers=1)
    with engine.connect() as conn:
        (joined,) = list(iter_child_ids(conn))
        assert {r.child_id for r in conn.execute(select(EventGroup.__table__))} == {joined}
    with engine.begin() as conn:
        (merge,) = merges_for(conn, joined)
        undo_merge(conn, merge.id, "officer", "two different children")
    tally = refresh.refresh_queued(engine, workers=1)
    assert tally.children == 2 and tally.children <= refresh.WRITE_GROUP  # both written together
    events = Event.__table__
    groups = EventGroup.__table__
    with engine.connect() as conn:
        roots = set(iter_child_ids(conn))
        assert len(roots) == 2
        owned = list(
            conn.execute(
                select(groups.c.child_id, events.c.subject_id).join(events, events.c.id == groups.c.event_id)
            )
        )
        assert len(owned) == 2
        for row in owned:
            assert row.child_id == root_of(conn, row.subject_id)
        assert {r.child_id for r in conn.execute(select(LinkRun.__table__))} == roots
        assert {r.child_id for r in conn.execute(select(AuditSnapshot.__table__))} == roots


def test_children_read_together_are_read_as_each_alone(authority, engine):
    """``load_children_facts`` (a group read in a few queries) gives every child exactly the facts,
    family, coverage, plans and identity ``load_child_facts`` gives them read alone."""
    from chronology.analysis.load import load_child_facts, load_children_facts
    from chronology.record import load_child, load_children

    with engine.connect() as conn:
        ids = list(iter_child_ids(conn))
        assert len(ids) > 10
        together = load_children_facts(conn, ids)
        alone = [load_child_facts(conn, child_id, links=False) for child_id in ids]
        assert sum(len(c.facts) for c in together) > 100 and any(c.family for c in together)
        assert together == alone
        assert load_children(conn, ids) == [load_child(conn, child_id, with_events=False) for child_id in ids]
