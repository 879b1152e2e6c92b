"""Linking, the stored audit flags and the refresh after an import, shared out in partitions over a
process pool and over a Dask cluster (chronology/analysis/parallel.py), store exactly what one
process stores."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner
from sqlalchemy import delete, select

from chronology.analysis import parallel
from chronology.analysis.refresh import refresh_queued
from chronology.analysis_queue import queue_persons
from chronology.db.models import AuditFlag, AuditSnapshot, EventGroup, EventLink, LinkRun, Person
from commands.audit_store import run_audit_store
from commands.link import run_link
from commands.main import cli
from services.importing import bring_up_to_date
from tests.conftest import PG_URL

DERIVED = (EventLink, EventGroup, LinkRun, AuditFlag, AuditSnapshot)
VOLATILE = {"id", "built_at", "computed_at"}  # row ids and clock times: the only columns allowed to differ


def derived(engine) -> dict[str, list[str]]:
    """Every stored link, group, graph run, flag and audit snapshot, in a comparable form."""
    found: dict[str, list[str]] = {}
    with engine.connect() as conn:
        for model in DERIVED:
            table = model.__table__
            rows = [
                json.dumps({k: v for k, v in row._mapping.items() if k not in VOLATILE}, sort_keys=True, default=str)
                for row in conn.execute(select(table))
            ]
            found[table.name] = sorted(rows)
    return found


def forget_and_queue_everyone(engine) -> None:
    """Drop every derived row and queue every person, as an upgrade does: the next refresh rebuilds all."""
    with engine.begin() as conn:
        for model in DERIVED:
            conn.execute(delete(model.__table__))
        persons = list(conn.execute(select(Person.__table__.c.id)).scalars())
        queue_persons(conn, persons, "test: rebuild everyone")


def configure(monkeypatch, *, pool_from: int, partition: int = 4) -> None:
    """config/parallel.toml as a test wants it (small partitions, so a small authority has many)."""
    wanted = {"partitions": {"children": partition}, "pool": {"workers": 0}, "refresh": {"pool_from_children": pool_from}}
    monkeypatch.setattr(parallel, "settings", lambda: wanted)


@pytest.fixture
def authority(cli_env, tmp_path, monkeypatch):
    """A generated authority imported through `chronology import`, refreshed in this process."""
    configure(monkeypatch, pool_from=10**9)
    out = tmp_path / "la"
    runner = CliRunner()
    generated = runner.invoke(
        cli, ["generate", "--out", str(out), "--children", "12", "--seed", "5", "--formats", "native"]
    )
    assert generated.exit_code == 0, generated.output
    result = runner.invoke(cli, ["import", str(out)], catch_exceptions=False)
    assert "FAILED" not in result.output
    return out


def test_the_refresh_after_an_import_uses_a_pool_of_one_process_per_cpu_when_many_wait(
    authority, engine, cli_env, monkeypatch
):
    serial = derived(engine)  # what the import's own refresh (one process) stored
    assert serial["event_links"] and serial["audit_snapshots"] and serial["audit_flags"]
    assert parallel.machine_workers() == (os.cpu_count() or 1)
    forget_and_queue_everyone(engine)
    configure(monkeypatch, pool_from=1)
    tally = bring_up_to_date(engine, [])  # what `chronology import` runs after its last file
    assert tally.children == len(serial["audit_snapshots"])
    assert os.getpid() not in tally.processes  # the children were done by pool workers
    assert 1 <= len(tally.processes) <= (os.cpu_count() or 1)
    assert derived(engine) == serial
    assert refresh_queued(engine).queued == 0  # and the queue was emptied


def test_link_and_audit_store_over_two_processes_store_what_one_stores(authority, engine, cli_env, monkeypatch):
    configure(monkeypatch, pool_from=10**9)
    forget_and_queue_everyone(engine)
    one = run_link(cli_env, child_ids=None, workers=1)
    run_audit_store(cli_env, workers=1)
    assert one.processes == {os.getpid()}
    serial = derived(engine)
    with engine.begin() as conn:
        for model in DERIVED:
            conn.execute(delete(model.__table__))
    two = run_link(cli_env, child_ids=None, workers=2, partition=3)
    children, flags, _ = run_audit_store(cli_env, workers=2, partition=3)
    assert os.getpid() not in two.processes
    assert (two.children, two.links, two.clusters) == (one.children, one.links, one.clusters)
    assert children == one.children and flags == len(serial["audit_flags"])
    assert derived(engine) == serial


def test_a_dask_cluster_is_refused_a_sqlite_database(tmp_path, monkeypatch):
    url = f"sqlite:///{tmp_path / 'local.sqlite3'}"
    monkeypatch.setenv("CHRONOLOGY_DATABASE_URL", url)
    for command in (["link"], ["audit-store"]):
        result = CliRunner().invoke(cli, [*command, "--dask-scheduler", "tcp://127.0.0.1:1"])
        assert result.exit_code == 2, result.output
        assert "needs a database every cluster worker can reach" in result.output
        assert "SQLite file is local to this machine" in result.output
    assert not (tmp_path / "local.sqlite3").exists()  # refused before the store was touched
    with pytest.raises(parallel.ParallelError, match="PostgreSQL"):
        run_link(url, child_ids=[1], workers=1, dask_scheduler="tcp://127.0.0.1:1")


@pytest.mark.skipif(not PG_URL, reason="Dask workers need a shared database: set CHRONOLOGY_TEST_DATABASE_URL")
@pytest.mark.parametrize("migrated_database", ["postgresql"], indirect=True)
def test_a_dask_local_cluster_on_postgresql_stores_what_one_process_stores(
    authority, engine, cli_env, monkeypatch
):
    from distributed import Client, LocalCluster

    serial = derived(engine)
    with (
        LocalCluster(n_workers=2, processes=True, threads_per_worker=1, dashboard_address=None) as cluster,
        Client(cluster) as client,
    ):
        address = cluster.scheduler_address
        worker_pids = set(client.run(os.getpid).values())
        assert len(worker_pids) == 2

        forget_and_queue_everyone(engine)  # the refresh, sent to the cluster
        tally = refresh_queued(engine, workers=1, dask_scheduler=address)
        assert tally.processes and tally.processes <= worker_pids
        assert derived(engine) == serial

        with engine.begin() as conn:  # `chronology link` and `chronology audit-store --dask-scheduler`
            for model in DERIVED:
                conn.execute(delete(model.__table__))
        runner = CliRunner()
        linked = runner.invoke(cli, ["link", "--dask-scheduler", address], catch_exceptions=False)
        assert linked.exit_code == 0, linked.output
        stored = runner.invoke(cli, ["audit-store", "--dask-scheduler", address], catch_exceptions=False)
        assert stored.exit_code == 0, stored.output
        assert derived(engine) == serial
        again = run_link(cli_env, child_ids=None, workers=1, dask_scheduler=address, partition=3)
        assert again.changed == 0 and again.processes <= worker_pids  # a rerun on the cluster changes nothing
