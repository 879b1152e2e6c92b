"""Access-log entries mirrored to syslog (``CHRONOLOGY_ACCESS_LOG_SYSLOG``), received by a real UDP
socket standing in for the syslog daemon: the CLI's show and export and a web child view each arrive
as one line with the row's fields, a hostile reason stays on one line, and a syslog that cannot be
reached leaves the database row and the request as they were."""

from __future__ import annotations

import json
import logging
import socket
from collections.abc import Iterator

import pytest
from click.testing import CliRunner
from sqlalchemy import select

from chronology.access_syslog import SETTING, TAG
from chronology.db.models import AccessLog
from commands.main import cli
from tests.webapp.chronology_fixtures import amy  # noqa: F401 (fixture)
from tests.webapp.conftest import BASE


@pytest.fixture
def syslog(monkeypatch) -> Iterator[socket.socket]:
    """A UDP socket on a free local port, named in the setting."""
    server = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    server.bind(("127.0.0.1", 0))
    server.settimeout(5)
    monkeypatch.setenv(SETTING, f"127.0.0.1:{server.getsockname()[1]}")
    yield server
    server.close()


def _received(server: socket.socket) -> list[tuple[str, dict]]:
    """Every datagram waiting: (the raw line, its JSON entry)."""
    lines = []
    server.settimeout(2)
    while True:
        try:
            data = server.recv(65536)
        except TimeoutError:
            return lines
        line = data.decode("utf-8").rstrip("\x00")
        prefix, _, body = line.partition(f"{TAG}: ")
        assert prefix.startswith("<") and prefix.endswith(">"), line  # <priority> then the tag
        lines.append((line, json.loads(body)))
        server.settimeout(0.3)


def _rows(engine) -> list[AccessLog]:  # type: ignore[no-untyped-def]
    with engine.connect() as conn:
        return list(conn.execute(select(AccessLog).order_by(AccessLog.id)).all())


def _cli(*args: str) -> str:
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def test_cli_show_and_export_and_a_web_child_view_each_arrive_as_one_line(
    cli_env, syslog, client, login, amy, web_engine, tmp_path  # noqa: F811
):
    _cli("show", "LA1")
    _cli("export", "LA1", "--out", str(tmp_path / "amy.csv"), "--reason", "case review")
    login("practitioner", "Team A")
    assert client.get(f"/children/{amy}", base_url=BASE).status_code == 200
    got = [entry for _, entry in _received(syslog)]
    rows = _rows(web_engine)
    assert [(e["actor"], e["action"], e["person_id"], e["detail"], e["reason"]) for e in got] == [
        (r.actor, r.action, r.person_id, r.detail, r.reason) for r in rows
    ]  # every row, as written, in order
    assert [(e["actor"], e["action"], e["child"]) for e in got[:2]] == [
        ("test-officer", "view", "LA1"),
        ("test-officer", "export", "LA1"),
    ]
    assert got[1]["reason"] == "case review"
    assert ("practitioner-user", "LA1") in {(e["actor"], e["child"]) for e in got[2:]}
    assert all(e["person_id"] == amy and e["at"] for e in got)


def test_a_reason_with_newlines_arrives_as_one_line(cli_env, syslog, amy, tmp_path):  # noqa: F811
    hostile = 'review\nJan 01 00:00:00 host chronology-access: {"actor":"admin","action":"delete"}\r\nbye'
    _cli("export", "LA1", "--out", str(tmp_path / "amy.csv"), "--reason", hostile)
    received = _received(syslog)
    assert len(received) == 1
    line, entry = received[0]
    assert "\n" not in line and "\r" not in line and len(line.splitlines()) == 1
    assert entry["reason"] == hostile  # the text itself, unchanged, inside one entry


def test_an_unreachable_syslog_keeps_the_row_and_the_request(
    cli_env, monkeypatch, caplog, client, login, amy, web_engine, tmp_path  # noqa: F811
):
    monkeypatch.setenv(SETTING, str(tmp_path / "no-such-socket"))
    with caplog.at_level(logging.WARNING, logger="chronology.access_syslog"):
        _cli("show", "LA1")
        login("practitioner", "Team A")
        assert client.get(f"/children/{amy}", base_url=BASE).status_code == 200
    assert [r.actor for r in _rows(web_engine)][:1] == ["test-officer"]
    assert len(_rows(web_engine)) >= 2
    assert caplog.text.count("not shipped to syslog") == 2  # one warning per entry, no traceback
