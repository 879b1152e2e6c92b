"""The real service for browser tests: a small generated authority imported through the real
importers into a temporary SQLite store, users made with the project's own functions, and the app
served by waitress on a free localhost port in a background thread."""

from __future__ import annotations

import csv
import threading
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import Engine

from chronology.events import CanonicalEvent
from chronology.ingest import FileInfo, import_items
from chronology.record import find_child
from chronology.users import add_user, allocate
from commands.demo import _interesting_child
from commands.store import open_store
from services.importing import ImportOptions, bring_up_to_date, import_file, plan

PASSWORD = "browser tests only, never real"
TEAM_A, TEAM_B = "Team A", "Team B"
HOSTILE_CHILD = "LAHOSTILE1"
HOSTILE = {
    "summary": '<img src=x onerror="window.__pwned=1">',
    "person": '"><script>window.__pwned=2</script>',
    "category": "javascript:window.__pwned=3",
    "agency": '"><svg onload="window.__pwned=4">',
    "child": "<img src=x onerror=window.__pwned=5> Hostile",
    "analysis": "<script>window.__pwned=6</script> {{7*7}} ${7*7} <b>bold</b>",
    "record": "javascript:window.__pwned=7",
    "source": "{{7*7}} ${7*7} <b>bold</b>",
    "file": 'template-hostile-"><img src=x onerror=window.__pwned=8>.csv',
    "note": "<img src=x onerror=window.__pwned=9> {{7*7}} javascript:window.__pwned=10",
    "reason": '"><img src=x onerror=window.__pwned=11> {{7*7}} audit review',
}


@dataclass
class World:
    """What the tests need to know about the running service and its data."""

    base_url: str
    engine: Engine
    featured: int  # the generated child the flow tests open (allocated to Team A)
    featured_la_id: str
    featured_name: str
    hostile: int
    users: dict[str, str] = field(default_factory=dict)  # role label -> username


def import_team_a_child(engine: Engine, la_id: str, items: list[CanonicalEvent], file_name: str) -> int:
    """Events a test writes for one more child, imported as a template file and allocated to Team A
    (whom the practitioner belongs to): the child's person id."""
    import_items(engine, items, FileInfo(file_name, "template"), actor="browser-tests")
    with engine.begin() as conn:
        allocate(conn, TEAM_A, [la_id], "browser-tests")
        person = find_child(conn, la_id)
    assert person, la_id
    return person


def write_hostile_file(path: Path) -> None:
    """A template-format file whose every text is markup or a script URL."""
    columns = ["agency", "record_id", "start_date", "source", "child_id", "child_name", "child_dob", "event",
               "category", "analysis", "persons"]
    rows = [
        [HOSTILE["agency"], HOSTILE["record"], "2022-05-01", HOSTILE["source"], HOSTILE_CHILD, HOSTILE["child"],
         "2015-01-01", HOSTILE["summary"], HOSTILE["category"], HOSTILE["analysis"], f"{HOSTILE['person']} (father)"],
        ["Police", "H2", "2022-05-02", "Police records", HOSTILE_CHILD, HOSTILE["child"], "2015-01-01",
         f"Second report: {HOSTILE['summary']}", "Police occurrence", "", ""],
    ]
    # three domestic abuse incidents in a year: a da_escalation flag puts the child on the audit panel
    rows += [
        ["Police", f"DA{i}", f"2022-0{6 + i}-01", "Police records", HOSTILE_CHILD, HOSTILE["child"], "2015-01-01",
         f"Domestic incident {i}: {HOSTILE['summary']}", "Domestic abuse", "", ""]
        for i in range(3)
    ]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        writer.writerows(rows)


def load_world(workdir: Path, children: int = 6, seed: int = 7) -> tuple[Engine, int, str, str, int]:
    from generator import generate_authority

    out = workdir / "authority"
    generate_authority(out, children=children, seed=seed)
    write_hostile_file(out / HOSTILE["file"])
    engine = open_store(f"sqlite:///{workdir / 'browser.sqlite'}")
    reports = [
        import_file(engine, item.path, item.importer, ImportOptions(), actor="browser-tests", refresh=False)
        for item in plan([out], None)
        if item.importer is not None
    ]
    bring_up_to_date(engine, reports)  # as `chronology import` does after its last file
    la_id = _interesting_child(out)
    assert la_id, "the generated authority has no planted child"
    with engine.connect() as conn:
        featured, hostile = find_child(conn, la_id), find_child(conn, HOSTILE_CHILD)
        from chronology.record import load_child

        name = load_child(conn, featured, with_events=False).name  # type: ignore[arg-type]
    assert featured and hostile and name
    return engine, featured, la_id, name, hostile


def make_users(engine: Engine, la_id: str) -> dict[str, str]:
    users = {"practitioner": "pat-a", "other_team": "pat-b", "admin": "ada-admin"}
    with engine.begin() as conn:
        add_user(conn, users["practitioner"], "practitioner", TEAM_A, PASSWORD)
        add_user(conn, users["other_team"], "practitioner", TEAM_B, PASSWORD)
        add_user(conn, users["admin"], "admin", None, PASSWORD)
        allocate(conn, TEAM_A, [la_id, HOSTILE_CHILD], "browser-tests")
    return users


class Server:
    """The Flask app on waitress, in a daemon thread, on a port the OS picks."""

    def __init__(self, database_url: str) -> None:
        from waitress.server import create_server

        from web import create_app

        self.app = create_app(
            {"SECRET_KEY": "browser-tests-only", "DATABASE_URL": database_url, "SESSION_COOKIE_SECURE": False}
        )
        self.server = create_server(self.app, host="127.0.0.1", port=0, threads=4)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"  # type: ignore[union-attr]
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> Server:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.close()
        self.app.extensions["chronology_engine"].dispose()
