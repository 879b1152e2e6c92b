"""Benchmark: one child with 5,000 events — the timeline's data endpoint and its first render.

It writes a chronology-template CSV for one synthetic child (police, health, two schools and
social care over ten years, with parents named and police references quoted so incident clusters
form), imports it through the real template importer into a new SQLite store, builds the child's
link graph (as ``chronology link`` does), then:

- times ``GET /children/<id>/timeline/data`` (the JSON the page draws from) in-process, N times;
- times ``/api/v1/…/chronology`` the same way if this branch has such a route (else says so);
- serves the app on waitress and, in headless Chromium, times navigation start to the first
  timeline items drawn (``#timeline[data-state=drawn]`` and at least one ``.vis-item``), N times:
  by the page's own mark (``timeline-drawn``, set by timeline.js when the first screen is drawn and
  fitted), as seen by asking the page every 10 ms, and as Playwright's ``wait_for_selector`` returns
  (its polling backs off, so it notices the drawn state a second or more late: kept to compare with
  figures measured that way); then
  waits for the plans and harm index (``timeline-context-drawn``) so runs do not overlap.

Run: ``python bench/timeline_render.py [--events 5000] [--repeat 5]``. Needs /usr/bin/chromium.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench only, never a real password"
AGENCIES = [
    ("Police", "Police occurrence", "Domestic incident at home address, OR-{ref}", "Police occurrence; Domestic abuse"),
    ("Health: A&E", "A&E attendance", "Attended A&E with a bruised arm; police ref OR-{ref} mentioned", "A&E attendance"),
    ("Education: Oak Lane Primary", "Safeguarding log", "Came in tired and hungry (ref OR-{ref})", "Operation Encompass"),
    ("Education: Elm High", "Safeguarding log", "Late again; said there was shouting at home", "Attendance"),
    ("Children's Social Care", "Case note", "Home visit: child seen alone, spoke about home", "Home visit"),
]


def write_child(path: Path, events: int, seed: int = 11) -> None:
    rng = random.Random(seed)
    start = dt.date(2014, 1, 1)
    columns = ["agency", "record_id", "start_date", "source", "child_id", "child_name", "child_dob", "event",
               "category", "persons"]
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(columns)
        for number in range(events):
            group, place = divmod(number, len(AGENCIES))  # each group: one police occurrence and its echoes
            agency, source, summary, category = AGENCIES[place]
            if place == 0:
                day = start + dt.timedelta(days=rng.randrange(0, 3650))
                ref = f"{day.year % 100:02d}-{group:06d}"
            record = f"OR-{ref}" if place == 0 else f"B{number}"
            writer.writerow([
                agency, record, (day + dt.timedelta(days=place)).isoformat(), source, "LABENCH1", "Bench Child", "2012-06-01",
                summary.format(ref=ref), category, "Jade Hewitt (mother); Liam Stone (father, suspect)",
            ])


def load(workdir: Path, events: int) -> tuple[str, int]:
    from chronology.record import find_child
    from chronology.users import add_user, allocate
    from commands.importing import import_file
    from commands.link import link_children
    from commands.store import open_store
    from importers.base import ImportOptions
    from importers.template import TemplateImporter

    csv_path = workdir / "bench-child.csv"
    write_child(csv_path, events)
    url = f"sqlite:///{workdir / 'bench.sqlite'}"
    engine = open_store(url)
    started = time.perf_counter()
    import_file(engine, csv_path, TemplateImporter, ImportOptions(), actor="bench", show_progress=False)
    print(f"imported {events} events in {time.perf_counter() - started:.1f} s")
    with engine.begin() as conn:
        child = find_child(conn, "LABENCH1")
        add_user(conn, "bench-practitioner", "practitioner", "Bench team", PASSWORD)
        allocate(conn, "Bench team", ["LABENCH1"], "bench")
    assert child is not None
    started = time.perf_counter()
    tally = link_children(engine, [child])
    print(f"link graph built in {time.perf_counter() - started:.1f} s: {tally.links} links, {tally.clusters} incident clusters")
    engine.dispose()
    return url, child


def time_endpoint(app, path: str, repeat: int) -> tuple[list[float], int, int]:  # type: ignore[no-untyped-def]
    client = app.test_client()
    login = client.get("/login", base_url="http://localhost")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.get_data(as_text=True)).group(1)  # type: ignore[union-attr]
    client.post("/login", data={"username": "bench-practitioner", "password": PASSWORD, "csrf_token": token},
                base_url="http://localhost", headers={"Referer": "http://localhost/"})
    times, size, status = [], 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        response = client.get(path, base_url="http://localhost")
        times.append(time.perf_counter() - started)
        size, status = len(response.data), response.status_code
    return times, size, status


def api_chronology_path(app, child: int) -> str | None:  # type: ignore[no-untyped-def]
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/v1/") and "chronology" in rule.rule and "<" in rule.rule:
            argument = next(iter(rule.arguments))
            return rule.rule.replace(f"<int:{argument}>", str(child)).replace(f"<{argument}>", str(child))
    return None


def time_first_render(app, child: int, repeat: int) -> dict[str, list[float]]:  # type: ignore[no-untyped-def]
    import threading

    from playwright.sync_api import sync_playwright
    from waitress.server import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    base = f"http://127.0.0.1:{server.effective_port}"  # type: ignore[union-attr]
    threading.Thread(target=server.run, daemon=True).start()
    times: dict[str, list[float]] = {"drawn": [], "polled": [], "observed": [], "context": []}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path="/usr/bin/chromium", args=["--no-sandbox"])
            page = browser.new_page(base_url=base, viewport={"width": 1400, "height": 1000})
            page.goto("/login")
            page.fill("#username", "bench-practitioner")
            page.fill("#password", PASSWORD)
            page.click("main button[type=submit]")
            page.wait_for_load_state()
            for _ in range(repeat):
                # all since this navigation started: as the page marked it (timeline.js, the moment the
                # first screen is drawn and fitted), as seen by asking the page every 10 ms, and when
                # Playwright's wait returned (late: it polls with backoff)
                page.goto(f"/children/{child}/timeline", wait_until="commit")
                times["polled"].append(poll_drawn(page))
                page.wait_for_selector("#timeline[data-state=drawn] .vis-item", timeout=120_000)
                times["observed"].append(page.evaluate("performance.now()") / 1000)
                times["drawn"].append(page.evaluate(MARK, "timeline-drawn") / 1000)
                # the plans and harm index follow; the next run waits for them, so runs do not overlap
                page.wait_for_selector("#timeline[data-context=drawn]", state="attached", timeout=120_000)
                times["context"].append(page.evaluate(MARK, "timeline-context-drawn") / 1000)
            browser.close()
    finally:
        server.close()
    return times


def poll_drawn(page, timeout: float = 120.0) -> float:  # type: ignore[no-untyped-def]
    """Seconds from navigation start to the first ask that finds items drawn (asked every 10 ms)."""
    from playwright.sync_api import Error

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            seen = page.evaluate(DRAWN)
        except Error:  # the document is being replaced by the one navigated to
            seen = None
        if seen is not None:
            return seen / 1000
        page.wait_for_timeout(10)
    raise TimeoutError("the timeline was not drawn")


DRAWN = "document.querySelector('#timeline[data-state=drawn] .vis-item') ? performance.now() : null"
MARK = "(name) => { const [mark] = performance.getEntriesByName(name); return mark ? mark.startTime : null; }"


def summary(times: list[float]) -> str:
    return f"median {statistics.median(times):.2f} s (min {min(times):.2f}, max {max(times):.2f}, n={len(times)})"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=5_000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    from web import create_app

    with tempfile.TemporaryDirectory() as tmp:
        url, child = load(Path(tmp), args.events)
        app = create_app({"SECRET_KEY": "bench-only", "DATABASE_URL": url, "SESSION_COOKIE_SECURE": False})
        times, size, status = time_endpoint(app, f"/children/{child}/timeline/data", args.repeat)
        print(f"timeline data endpoint ({status}, {size / 1e6:.1f} MB JSON): {summary(times)}")
        api = api_chronology_path(app, child)
        if api is None:
            print("/api/v1 chronology: not in this branch (h7 builds it)")
        else:
            times, size, status = time_endpoint(app, api, args.repeat)
            print(f"{api} ({status}, {size / 1e6:.1f} MB JSON): {summary(times)}")
        renders = time_first_render(app, child, args.repeat)
        print(f"first render in headless Chromium (navigation start to items drawn, page's mark): {summary(renders['drawn'])}")
        print(f"  the same, seen by asking the page every 10 ms: {summary(renders['polled'])}")
        print(f"  the same when Playwright's wait_for_selector returned (polls with backoff): {summary(renders['observed'])}")
        print(f"  plans and harm index drawn (page's mark): {summary(renders['context'])}")
        app.extensions["chronology_engine"].dispose()


if __name__ == "__main__":
    main()
