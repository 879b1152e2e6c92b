"""Benchmark: incident clusters and audit patterns against the truth, on the plain and the varied
authority, read straight after import — no ``chronology link``, no ``chronology audit-store``.

For each of the plain authority and its ``--vary`` rewriting (same world; other reference shapes,
label wordings, header aliases, case and order, date forms, blanks, shuffled rows, encodings, the
police file split in two), in a fresh SQLite store:

1. every file is imported as ``chronology import`` does (the refresh after the last file included);
2. name + date-of-birth suggestions are decided as a data officer would, through the same service the
   command line and the web use (``services.identity``), which brings the children it touched up to
   date;
3. incident clusters are read from the store (``bench/link_truth.py``: pairwise precision and
   recall, incidents wholly in one cluster, decoys kept out), and flags from the audit panel's store
   (``stored_children``, as of the panel's own reference date: the latest date the data covers),
   scored per pattern with ``generator.pattern_truth``; then the flags as of the truth's own date,
   read over the same stored graphs (an open plan's last months depend on that date).

Run: ``python bench/link_quality.py [--children 300] [--seed 7] [--vary-seed 1] [--formats native]``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from sqlalchemy import Engine  # noqa: E402

from chronology.analysis.facts import Flag  # noqa: E402
from chronology.analysis.flag_store import stored_children  # noqa: E402
from chronology.db.engine import make_engine, upgrade  # noqa: E402
from chronology.record import load_child  # noqa: E402
from generator.pattern_truth import score, table, truth_child, truth_index  # noqa: E402

ACTOR = "link-quality-bench"


def import_as_the_command_does(engine: Engine, directory: Path) -> float:
    from commands.importing import import_file, plan
    from importers.base import ImportOptions
    from services.importing import bring_up_to_date

    started = time.perf_counter()
    reports = [
        import_file(engine, p.path, p.importer, ImportOptions(), actor=ACTOR, show_progress=False, refresh=False)
        for p in plan([directory], None)
        if p.importer is not None
    ]
    bring_up_to_date(engine, reports)
    return time.perf_counter() - started


def decide_suggestions(engine: Engine, children: int, seed: int) -> tuple[int, int]:
    """Confirm the correct suggestions and reject the wrong ones (identity bench's truth), each
    through ``services.identity`` so the analysis follows every decision."""
    from identity_quality import attach_truth, build_truth, load_source_people, score_suggestions, snapshot

    from services.identity import IdentityError, confirm, reject

    truth = build_truth(seed, children)
    people = load_source_people(engine)
    attach_truth(people, truth)
    suggestions = score_suggestions(engine, people, truth, snapshot(engine, people, truth))
    confirmed = 0
    for sid in suggestions.correct:
        try:
            confirm(engine, sid, ACTOR)
            confirmed += 1
        except IdentityError:
            pass
    for sid in suggestions.wrong:
        reject(engine, sid, ACTOR)
    return confirmed, len(suggestions.wrong)


def stored_flags(engine: Engine, truth: dict) -> tuple[dict[str, list[Flag]], set[str]]:
    """The panel's stored flags, by the planted child they belong to; and the as-of dates used."""
    index = truth_index(truth)
    flagged: dict[str, list[Flag]] = {}
    as_of: set[str] = set()
    with engine.connect() as conn:
        for stored in stored_children(conn):
            identifiers = load_child(conn, stored.child.person_id, with_events=False).identifiers
            key = truth_child(index, identifiers) or f"person:{stored.child.person_id}"
            flagged.setdefault(key, []).extend(stored.flags)
            as_of.add(str(stored.child.as_of))
    return flagged, as_of


def run(folder: Path, name: str, args: argparse.Namespace, vary_seed: int | None) -> dict:
    from link_truth import score as link_score

    from generator.authority import generate_authority

    out, url = folder / name, f"sqlite:///{folder / f'{name}.sqlite3'}"
    upgrade(url)
    engine = make_engine(url)
    generate_authority(out, children=args.children, seed=args.seed, formats=args.formats, vary_seed=vary_seed)
    seconds = import_as_the_command_does(engine, out)
    confirmed, rejected = decide_suggestions(engine, args.children, args.seed)
    truth = json.loads((out / "ground-truth.json").read_text(encoding="utf-8"))
    links = link_score(engine, out / "ground-truth.json")
    flagged, as_of = stored_flags(engine, truth)
    from pattern_quality import audit

    at_truth, _, _ = audit(engine, truth)  # the same stored graphs, read as of the truth's date
    engine.dispose()
    return {
        "seconds": seconds,
        "confirmed": confirmed,
        "rejected": rejected,
        "links": links,
        "patterns": score(truth, flagged),
        "patterns_at_truth": score(truth, at_truth),
        "as_of": as_of,
        "truth_as_of": truth["as_of"],
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--vary-seed", type=int, default=1)
    parser.add_argument("--formats", choices=("native", "template"), default="native")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="link-quality-") as tmp:
        results = {
            "plain": run(Path(tmp), "plain", args, None),
            f"varied (vary seed {args.vary_seed})": run(Path(tmp), "varied", args, args.vary_seed),
        }
    print(f"authority: {args.children} children, seed {args.seed}, {args.formats} formats; {dt.date.today()}")
    for name, result in results.items():
        print(f"\n== {name}: imported and brought up to date in {result['seconds']:.1f} s; "
              f"suggestions confirmed {result['confirmed']}, rejected {result['rejected']}")  # fmt: skip
        print(f"stored flags as of {sorted(result['as_of'])} (truth's as_of {result['truth_as_of']})")
        for line in result["links"].lines():
            print("  " + line)
        print("flags the audit panel shows (its own as-of date):")
        print(table(result["patterns"]))
        print(f"flags as of the truth's date ({result['truth_as_of']}), from the same stored graphs:")
        print(table(result["patterns_at_truth"]))


if __name__ == "__main__":
    main()
