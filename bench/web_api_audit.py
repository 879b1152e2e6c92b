"""Benchmark: the JSON API for a child with 5,000 events, and the audit panel for a generated authority.

1. One child with ``--events`` events (default 5,000) across agencies, themes and people, imported
   through the store into a fresh SQLite database; then, signed in as an allocated practitioner
   through the Flask test client (the whole request: session, access decision, access log, JSON),
   the median of ``--repeat`` calls of each: chronology first page (100), a page of 1,000, a filtered
   page, the child, links, flags and the harm series.
2. A generated authority of ``--children`` children (native formats) imported, linked
   (``chronology link``) and audited into the panel's store (``chronology audit-store``), then the
   panel page and its CSV for every child, a preset cohort and one pattern.

Run: ``python bench/web_api_audit.py [--events 5000] [--children 300] [--repeat 5] [--workers 2]``.
"""

from __future__ import annotations

import argparse
import dataclasses
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from chronology.events import PartialDate, PersonRef  # noqa: E402
from chronology.ingest import FileInfo, import_items  # noqa: E402
from chronology.record import find_child  # noqa: E402
from chronology.users import add_user, allocate  # noqa: E402
from commands.store import open_store  # noqa: E402
from tests.factories import child, event  # noqa: E402

PASSWORD = "bench only, never real"
AGENCIES = ["Police", "Health: A&E", "Education: Oak Lane Primary", "Children's social care", "Health: GP"]
THEMES = [["domestic_abuse"], ["neglect"], ["physical_abuse"], [], ["missing"], []]


def timed(call, repeat: int) -> tuple[float, object]:  # type: ignore[no-untyped-def]
    times, result = [], None
    for _ in range(repeat):
        started = time.perf_counter()
        result = call()
        times.append(time.perf_counter() - started)
    return statistics.median(times), result


def make_app(url: str):  # type: ignore[no-untyped-def]
    from web import create_app

    return create_app(
        {
            "SECRET_KEY": "bench-only",
            "DATABASE_URL": url,
            "SESSION_COOKIE_SECURE": False,
            "WTF_CSRF_ENABLED": False,
            "TESTING": True,
        }
    )


def signed_in(app, username: str):  # type: ignore[no-untyped-def]
    client = app.test_client()
    response = client.post("/login", data={"username": username, "password": PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return client


def bench_api(folder: Path, events: int, repeat: int) -> None:
    url = f"sqlite:///{folder / 'api.sqlite3'}"
    engine = open_store(url)
    subject = child(la_id="LABENCH", name="Bench Child", dob=dt.date(2012, 1, 1))
    dad = PersonRef(name="Sam Bench", role="father")
    rng = random.Random(5)
    start = dt.date(2012, 1, 1)
    items = []
    for index in range(events):
        day = start + dt.timedelta(days=int(index * 4700 / events))
        base = event(
            subject,
            record_id=f"E{index}",
            agency=rng.choice(AGENCIES),
            when=PartialDate(day.year, day.month, day.day),
            summary=f"Event {index}",
        )
        items.append(
            dataclasses.replace(
                base,
                themes=rng.choice(THEMES),
                significant=index % 17 == 0,
                persons=[dad] if index % 5 == 0 else [],
            )
        )
    started = time.perf_counter()
    import_items(engine, items, FileInfo("bench.csv", "template"), actor="bench")
    print(f"imported {events} events for one child in {time.perf_counter() - started:.1f}s")
    with engine.begin() as conn:
        add_user(conn, "bench-pat", "practitioner", "Team A", PASSWORD)
        allocate(conn, "Team A", ["LABENCH"], "bench")
        person_id = find_child(conn, "LABENCH")
    engine.dispose()
    app = make_app(url)
    client = signed_in(app, "bench-pat")
    base = f"/api/v1/children/{person_id}"
    for label, path in [
        ("chronology, first page of 100", f"{base}/chronology"),
        ("chronology, page of 1,000", f"{base}/chronology?page_size=1000"),
        (
            "chronology, police + domestic abuse, 2016-2019",
            f"{base}/chronology?agency=Police&theme=domestic_abuse&from=2016-01-01&to=2019-12-31",
        ),
        ("child (identity, family, plans, coverage)", base),
        ("links", f"{base}/links"),
        ("flags", f"{base}/flags"),
        ("harm series", f"{base}/harm"),
    ]:
        seconds, response = timed(lambda p=path: client.get(p), repeat)
        assert response.status_code == 200, (path, response.status_code)  # type: ignore[union-attr]
        size = len(response.get_data())  # type: ignore[union-attr]
        print(f"  {label:50s} {seconds * 1000:8.0f} ms  ({size / 1024:.0f} KiB)")
    app.extensions["chronology_engine"].dispose()


def bench_panel(folder: Path, children: int, repeat: int, workers: int) -> None:
    import os

    from commands.audit_store import run_audit_store
    from commands.importing import import_file, plan
    from commands.link import run_link
    from generator import generate_authority
    from importers.base import ImportOptions

    url = f"sqlite:///{folder / 'panel.sqlite3'}"
    out = folder / "authority"
    generate_authority(out, children=children, seed=11, formats="native")
    engine = open_store(url)
    for item in plan([out], None):
        if item.importer is not None:
            import_file(engine, item.path, item.importer, ImportOptions(), actor="bench", show_progress=False)
    with engine.begin() as conn:
        add_user(conn, "bench-auditor", "auditor", None, PASSWORD)
    engine.dispose()
    os.environ["CHRONOLOGY_DATABASE_URL"] = url
    started = time.perf_counter()
    run_link(url, child_ids=None, workers=workers)
    linked = time.perf_counter() - started
    started = time.perf_counter()
    stored, flags, _ = run_audit_store(url, workers=workers)
    print(
        f"authority of {children} generated children: {stored} children in the store; link {linked:.1f}s, "
        f"audit-store {time.perf_counter() - started:.1f}s ({workers} workers), {flags} flags"
    )
    app = make_app(url)
    client = signed_in(app, "bench-auditor")
    for label, path in [
        ("panel, every child", "/audit/"),
        ("panel, preset south_glos_2025", "/audit/?preset=south_glos_2025"),
        ("panel, one pattern", "/audit/?pattern=repeat_cp_plan"),
        ("panel CSV, every child", "/audit/panel.csv"),
    ]:
        seconds, response = timed(lambda p=path: client.get(p), repeat)
        assert response.status_code == 200, (path, response.status_code)  # type: ignore[union-attr]
        print(f"  {label:50s} {seconds * 1000:8.0f} ms")
    app.extensions["chronology_engine"].dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--only", choices=("api", "panel"))
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-web-") as tmp:
        folder = Path(tmp)
        if args.only in (None, "api"):
            bench_api(folder, args.events, args.repeat)
        if args.only in (None, "panel"):
            bench_panel(folder, args.children, args.repeat, args.workers)


if __name__ == "__main__":
    main()
