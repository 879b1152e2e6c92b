"""Benchmark: the link graph on a generated authority (time per child and in total, peak memory, and
incident clusters against the ground truth), and on one child with thousands of events.

Authority: ``generate_authority(..., formats="native")`` writes every agency in its own format; every
file is imported through the real importers into a fresh SQLite database, and the name + date of
birth suggestions are decided as a data officer with the truth would (``identity_quality.run``), so
that what is measured is the linking, not identity. ``--reuse DIR`` skips all that and links an
existing database ``DIR/links.sqlite3`` (with ``DIR/authority/ground-truth.json``).

Then ``chronology link`` (``commands.link.run_link``) runs in its own process, twice: the first run
builds every child's graph, the second finds every child unchanged (what an idempotent rerun costs).
Peak memory is VmHWM of that process and the largest of its workers (``RUSAGE_CHILDREN``).
Incident clusters are scored by ``link_truth.score``: pairwise precision and recall over the
records of planted cross-agency incidents, incidents wholly in one cluster, decoys kept out.

Big child: ``--big-child N`` imports one synthetic child with N events through the real store
(police occurrences every few days, the school's Operation Encompass record quoting each reference,
A&E attendances, referrals from the police, the social care chain, and routine health and school
records every day), then times loading, building and saving that one child's graph.

Run: ``python bench/link_audit.py [--children 1000] [--seed 7] [--workers 2] [--big-child 5000]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from import_formats import peak_rss_mb  # noqa: E402


def _children_peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


# --- phases, each in its own process ----------------------------------------------------------------


def phase_link(url: str, workers: int) -> dict:
    from commands.link import run_link

    started = time.perf_counter()
    tally = run_link(url, child_ids=None, workers=workers)
    took = time.perf_counter() - started
    per_child = sorted(tally.seconds) or [0.0]
    return {
        "seconds": took,
        "children": tally.children,
        "events": tally.events,
        "changed": tally.changed,
        "links": tally.links,
        "clusters": tally.clusters,
        "episodes": tally.episodes,
        "per_child_median_ms": statistics.median(per_child) * 1000,
        "per_child_p95_ms": per_child[int(0.95 * (len(per_child) - 1))] * 1000,
        "per_child_max_ms": per_child[-1] * 1000,
        "peak_mb": peak_rss_mb(),
        "workers_peak_mb": _children_peak_mb(),
    }


def phase_big_child(url: str, events: int, seed: int) -> dict:
    from chronology.analysis.graph_store import save_graph
    from chronology.analysis.links import build_links
    from chronology.analysis.load import load_child_facts
    from chronology.db.engine import make_engine
    from chronology.ingest import FileInfo, import_items
    from chronology.record import find_child

    engine = make_engine(url)
    started = time.perf_counter()
    report = import_items(
        engine, big_child_events(events, seed), FileInfo("big-child.csv", "template"), actor="bench"
    )
    imported = time.perf_counter() - started
    timings = {}
    with engine.begin() as conn:
        person_id = find_child(conn, "BIG0000001")
        assert person_id is not None
        t0 = time.perf_counter()
        facts = load_child_facts(conn, person_id, links=False)
        t1 = time.perf_counter()
        graph = build_links(facts)
        t2 = time.perf_counter()
        save_graph(conn, facts, graph)
        t3 = time.perf_counter()
        timings = {"load_s": t1 - t0, "build_s": t2 - t1, "save_s": t3 - t2}
    return {
        "events_imported": report.events_imported,
        "import_s": imported,
        "facts": len(facts.facts),
        "links": len(graph.links),
        "clusters": len(set(graph.clusters.values())),
        "episodes": len(set(graph.episodes.values())),
        **timings,
        "peak_mb": peak_rss_mb(),
    }


def big_child_events(total: int, seed: int) -> Iterator:
    """One child's ``total`` events: incidents every few days, reported by several agencies, amid routine."""
    from chronology.events import (
        CanonicalEvent,
        Identifier,
        IdentifierKind,
        PartialDate,
        PersonRef,
        Provenance,
    )

    rng = random.Random(seed)
    child = PersonRef(
        name="Big Child",
        dob=PartialDate(2010, 1, 1),
        identifiers=[Identifier(IdentifierKind.LA_CHILD_ID, "BIG0000001")],
    )
    victim = PersonRef(name="Mum Big", role="victim")
    suspect = PersonRef(name="Partner Big", role="suspect")
    day = dt.date(2012, 1, 1)
    made = 0

    def event(kind: str, agency: str, when: dt.date, summary: str, **extra) -> CanonicalEvent:
        nonlocal made
        made += 1
        return CanonicalEvent(
            subject=child,
            agency=agency,
            source=f"{agency} records",
            event_type=kind,
            summary=summary,
            provenance=Provenance(
                source_system=f"bench:{agency}", file="big-child.csv", row=made, source_record_id=f"B{made}"
            ),
            date=PartialDate(when.year, when.month, when.day),
            **extra,
        )

    n = 0
    while made < total:
        n += 1
        ref = f"OR-{day.year % 100:02d}-{n:06d}"
        items = [
            event(
                "police_occurrence",
                "Police",
                day,
                f"Domestic incident at home. Occurrence {ref}",
                time=dt.time(22, 15),
                categories=["Domestic incident", "DA"],
                themes=["domestic_abuse"],
                persons=[victim, suspect],
                attributes={"occurrence_ref": ref, "domestic_abuse": "Y"},
            ),
            event(
                "operation_encompass",
                "Education: Big Primary",
                day + dt.timedelta(days=1),
                f"Operation Encompass notification from police (ref {ref})",
                time=dt.time(8, 40),
                categories=["Operation Encompass", f"police_ref:{ref}"],
                themes=["domestic_abuse"],
                attributes={"police_reference": ref},
            ),
            event(
                "referral",
                "Children's social care",
                day + dt.timedelta(days=2),
                "Referral from Police",
                attributes={"ReferralSource": "6"},
            ),
            event("assessment", "Children's social care", day + dt.timedelta(days=4), "Assessment started"),
        ]
        if rng.random() < 0.3:
            items.append(
                event(
                    "ae_attendance",
                    "Health",
                    day + dt.timedelta(days=1),
                    "A&E: bruise",
                    time=dt.time(0, 40),
                    attributes={"injury": "yes"},
                )
            )
        for offset in range(7):  # routine records every day: the decoys
            when = day + dt.timedelta(days=offset)
            items.append(
                event("health_contact", "Health", when, "Health visitor contact", time=dt.time(10, 0))
            )
            items.append(event("attendance", "Education: Big Primary", when, "Attendance recorded"))
        yield from items[: total - made + len(items)]
        day += dt.timedelta(days=7)


# --- the driver ------------------------------------------------------------------------------------


def _run_phase(*args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "_phase", *args], check=True, capture_output=True, text=True, cwd=ROOT
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def prepare(where: Path, children: int, seed: int) -> tuple[str, Path, float]:
    import identity_quality as iq

    from chronology.db.engine import make_engine, upgrade

    db = where / "links.sqlite3"
    db.unlink(missing_ok=True)
    url = f"sqlite:///{db}"
    upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    iq.run(engine, where / "authority", children=children, seed=seed)
    engine.dispose()
    return url, where / "authority" / "ground-truth.json", time.perf_counter() - started


def main(argv: list[str] | None = None) -> None:
    argv = sys.argv[1:] if argv is None else argv
    if argv and argv[0] == "_phase":
        name, url, number = argv[1], argv[2], int(argv[3])
        result = phase_link(url, number) if name == "link" else phase_big_child(url, number, int(argv[4]))
        print(json.dumps(result))
        return
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--children", type=int, default=1000)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--big-child", type=int, default=5000, help="events of the one big child (0: skip)")
    parser.add_argument("--out", type=Path, help="keep the files and database here")
    parser.add_argument("--reuse", type=Path, help="link the database already in this directory")
    args = parser.parse_args(argv)

    with tempfile.TemporaryDirectory() as tmp:
        where = args.reuse or args.out or Path(tmp)
        where.mkdir(parents=True, exist_ok=True)
        if args.reuse:
            url, truth, setup = (
                f"sqlite:///{where / 'links.sqlite3'}",
                where / "authority" / "ground-truth.json",
                0.0,
            )
        else:
            url, truth, setup = prepare(where, args.children, args.seed)
        print(
            f"link graph: {args.children} children, seed {args.seed}, native formats, {args.workers} workers"
        )
        if setup:
            print(f"  generate + import + identity decisions: {setup:.1f}s")
        for label in ("first run (build)", "second run (unchanged)"):
            r = _run_phase("link", url, str(args.workers))
            rate = r["events"] / r["seconds"] if r["seconds"] else 0
            print(
                f"  {label}: {r['children']} children, {r['events']} events in {r['seconds']:.1f}s "
                f"({rate:,.0f} events/s); {r['changed']} changed; per child median {r['per_child_median_ms']:.1f} ms, "
                f"p95 {r['per_child_p95_ms']:.1f} ms, max {r['per_child_max_ms']:.1f} ms; "
                f"peak RSS {r['peak_mb']:.0f} MB (largest worker {r['workers_peak_mb']:.0f} MB)"
            )
            if label.startswith("first"):
                print(f"    {r['links']} links, {r['clusters']} incident clusters, {r['episodes']} episodes")
        from link_truth import score

        from chronology.db.engine import make_engine

        engine = make_engine(url)
        for line in score(engine, truth).lines():
            print(f"  {line}")
        engine.dispose()
        if args.big_child:
            big = _run_phase("big", url, str(args.big_child), str(args.seed))
            print(
                f"  one child with {big['facts']} events: load {big['load_s']:.2f}s, build {big['build_s']:.2f}s, "
                f"save {big['save_s']:.2f}s; {big['links']} links, {big['clusters']} clusters, "
                f"{big['episodes']} episodes; peak RSS {big['peak_mb']:.0f} MB (import {big['import_s']:.1f}s)"
            )


if __name__ == "__main__":
    main()
