"""Benchmark: finding a child among 20,000 (the web service's search), on SQLite or PostgreSQL.

Builds an authority of N children (default 20,000), each known to social care (LA child ID), health
(NHS number) and education (name and date of birth only, so some records stay apart), imported through
the real store so merges are real. Then times each kind of query the search page runs, page 1 and a
late page, and the data behind one result page. Prints milliseconds (median of repeats).

Run: ``python bench/search_children.py [--children N] [--url DATABASE_URL]``
(the URL's database is emptied first; default a new SQLite file).
"""

from __future__ import annotations

import argparse
import datetime as dt
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

SURNAMES = [
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Patel",
    "Khan",
    "Evans",
    "Thomas",
    "Roberts",
    "Walker",
    "Wright",
    "Hughes",
    "Green",
    "Lewis",
    "Hall",
    "Clarke",
]
FORENAMES = [
    "Amy",
    "Ben",
    "Chloe",
    "Daniel",
    "Ella",
    "Finn",
    "Grace",
    "Harry",
    "Isla",
    "Jack",
    "Lily",
    "Mohammed",
    "Noah",
    "Olivia",
    "Poppy",
    "Riley",
    "Sophie",
    "Theo",
    "Zara",
    "Leo",
]


def build(url: str, children: int, seed: int = 1) -> list[dict]:
    from chronology.db.engine import make_engine, upgrade
    from chronology.events import PartialDate
    from chronology.identifiers import make_nhs_number
    from chronology.ingest import FileInfo, import_items
    from tests.factories import child, event

    upgrade(url)
    engine = make_engine(url)
    rng = random.Random(seed)
    people = []
    for i in range(children):
        dob = dt.date(2008, 1, 1) + dt.timedelta(days=rng.randrange(365 * 16))
        people.append(
            {
                "la": f"LA{i:07d}",
                "nhs": make_nhs_number(rng),
                "name": f"{rng.choice(FORENAMES)} {rng.choice(SURNAMES)}",
                "dob": dob,
            }
        )
    for agency in ("Children's social care", "Health", "Education"):

        def items(agency=agency):
            for i, p in enumerate(people):
                ids = (
                    {"la_id": p["la"]}
                    if agency.startswith("Children")
                    else {"nhs": p["nhs"]}
                    if agency == "Health"
                    else {}
                )
                subject = child(name=p["name"], dob=p["dob"], **ids)
                if agency == "Health":
                    subject = child(name=p["name"], dob=p["dob"], nhs=p["nhs"], la_id=p["la"])
                yield event(
                    subject,
                    record_id=f"{agency[:3]}{i}",
                    agency=agency,
                    when=PartialDate(2023, 1 + i % 12, 1),
                    system=f"template:{agency}",
                )

        start = time.perf_counter()
        import_items(engine, items(), FileInfo(f"{agency}.csv", "template"), actor="bench")
        print(f"  imported {agency}: {time.perf_counter() - start:.1f} s", flush=True)
    engine.dispose()
    return people


def timed(fn, repeats: int = 7) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def _sample(engine) -> dict:  # type: ignore[no-untyped-def]
    from sqlalchemy import text

    """A child from the middle of an already built database: LA child ID, NHS number, name, dob."""
    with engine.connect() as conn:
        la, nhs, name, dob = conn.execute(
            text(
                "SELECT la.value, nhs.value, p.display_name, p.dob FROM persons p "
                "JOIN person_identifiers la ON la.person_id = p.id AND la.kind = 'la_child_id' "
                "JOIN person_identifiers nhs ON nhs.person_id = p.id AND nhs.kind = 'nhs_number' "
                "ORDER BY la.value LIMIT 1 OFFSET (SELECT count(*) / 2 FROM persons WHERE merged_into_id IS NULL) / 2"
            )
        ).one()
    return {"la": la, "nhs": nhs, "name": name, "dob": dob}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--children", type=int, default=20_000)
    parser.add_argument("--url", help="database to use (emptied first); default a new SQLite file")
    parser.add_argument(
        "--reuse",
        action="store_true",
        help="time the children already in --url's database (built by an earlier run)",
    )
    args = parser.parse_args()
    from sqlalchemy import create_engine, text

    from chronology.db.engine import make_engine
    from chronology.search import search_children

    if args.reuse:
        url = args.url
        people = []
    elif args.url:
        reset = create_engine(args.url)
        with reset.begin() as conn:
            conn.execute(text("DROP SCHEMA IF EXISTS public CASCADE"))
            conn.execute(text("CREATE SCHEMA public"))
        reset.dispose()
        url = args.url
    else:
        url = f"sqlite:///{Path(tempfile.mkdtemp()) / 'search.sqlite3'}"
    if not args.reuse:
        print(f"building {args.children} children in {url.split('@')[-1]}")
        people = build(url, args.children)
    engine = make_engine(url)
    with engine.begin() as conn:  # table statistics, as autovacuum (PostgreSQL) keeps them in service
        conn.execute(text("ANALYZE"))
    sample = people[len(people) // 2] if people else _sample(engine)
    queries = {
        "LA child ID": sample["la"],
        "NHS number": sample["nhs"],
        "date of birth": sample["dob"].strftime("%d/%m/%Y"),
        "surname (common)": sample["name"].split()[1],
        "forename + surname": sample["name"],
        "name + date of birth": f"{sample['name']} {sample['dob'].isoformat()}",
        "one letter (capped)": "a",
    }
    with engine.connect() as conn:
        print(f"{'query':<24}{'matches':>9}{'page 1 ms':>11}{'page 10 ms':>12}")
        for label, query in queries.items():
            first = search_children(conn, query)
            ms1 = timed(lambda q=query: search_children(conn, q))
            ms10 = timed(lambda q=query: search_children(conn, q, page=10))
            print(f"{label:<24}{first.total:>9}{ms1:>11.1f}{ms10:>12.1f}")
    engine.dispose()


if __name__ == "__main__":
    main()
