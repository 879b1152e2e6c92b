"""Benchmark: the audit patterns against the ground truth, precision and recall per pattern.

Generates a synthetic authority in every agency's native format (or all on the chronology template), imports every file into a fresh
SQLite database through the real importers, confirms the correct name + date-of-birth match
suggestions as a data officer would (using the identity bench's truth), reads each child back (``load_child_facts``, as of the
truth's ``as_of``), runs ``find_flags`` and scores the flags with ``generator.pattern_truth``:

- per pattern, over children: a true positive is a child the truth says shows the pattern and that
  is flagged; a false positive a flagged child the truth does not list for it (a background child,
  or a planted child whose reference reading does not fire it); a false negative a listed child
  not flagged. ``occ.`` counts the truth's occurrences matched by a flag whose evidence dates
  overlap them (one day of slack);
- the negative controls (``must_not``), and how many background children got any flag;
- the time to load and audit every child.

Run: ``python bench/pattern_quality.py --children 600 [--seed 7] [--formats native|template] [--show-misses]``.
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
from chronology.analysis.load import iter_child_ids, load_child_facts  # noqa: E402
from chronology.analysis.patterns import find_flags  # noqa: E402
from chronology.db.engine import make_engine, upgrade  # noqa: E402
from chronology.record import load_child  # noqa: E402
from exporters.audit_csv import panel_child_id  # noqa: E402
from generator.pattern_truth import score, table, truth_child, truth_index  # noqa: E402

ACTOR = "pattern-bench"
SPLIT_GROUPS: dict[str, int] = {}  # audited key -> how many person groups it was read from


def import_directory(engine: Engine, directory: Path) -> None:
    from commands.importing import import_file, plan
    from importers.base import ImportOptions

    for item in plan([directory], None):
        if item.importer is not None:
            import_file(engine, item.path, item.importer, ImportOptions(), actor=ACTOR, show_progress=False)


def act_as_officer(engine: Engine, out: Path, children: int, seed: int) -> tuple[int, int]:
    """Confirm the correct name + date-of-birth suggestions and reject the wrong ones, as a data officer
    would; the truth is the identity bench's (``bench/identity_quality.py``). Returns (confirmed, rejected).
    """
    from identity_quality import act_as_officer as decide
    from identity_quality import attach_truth, build_truth, load_source_people, score_suggestions, snapshot

    truth = build_truth(seed, children)
    people = load_source_people(engine)
    attach_truth(people, truth)
    suggestions = score_suggestions(engine, people, truth, snapshot(engine, people, truth))
    confirmed, _ = decide(engine, suggestions)
    return confirmed, len(suggestions.wrong)


def audit(engine: Engine, truth: dict) -> tuple[dict[str, list[Flag]], float, float]:
    """Every child's flags, keyed by the planted child they are (by any identifier), else panel ID;
    with the seconds spent loading children and running ``find_flags``.
    """
    index, as_of = truth_index(truth), dt.date.fromisoformat(truth["as_of"])
    flagged: dict[str, list[Flag]] = {}
    loading = finding = 0.0
    groups = SPLIT_GROUPS
    with engine.connect() as conn:
        for person_id in list(iter_child_ids(conn)):
            started = time.perf_counter()
            child = load_child_facts(conn, person_id, as_of=as_of)
            loaded = time.perf_counter()
            flags = find_flags(child)
            finding += time.perf_counter() - loaded
            loading += loaded - started
            key = truth_child(index, load_child(conn, person_id, with_events=False).identifiers)
            key = key or panel_child_id(child)
            groups[key] = groups.get(key, 0) + 1
            flagged.setdefault(key, []).extend(flags)  # a child split over groups keeps every group's flags
    return flagged, loading, finding


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--formats", choices=("native", "template"), default="native")
    parser.add_argument("--show-misses", action="store_true", help="list the children behind FP and FN")
    args = parser.parse_args()
    from generator.authority import generate_authority

    with tempfile.TemporaryDirectory(prefix="pattern-bench-") as tmp:
        out, url = Path(tmp) / "la", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        generate_authority(out, children=args.children, seed=args.seed, formats=args.formats)
        import_directory(engine, out)
        imported = time.perf_counter()
        confirmed, rejected = act_as_officer(engine, out, args.children, args.seed)
        decided = time.perf_counter()
        truth = json.loads((out / "ground-truth.json").read_text())
        flagged, loading, finding = audit(engine, truth)
        audited = time.perf_counter()
        engine.dispose()
    imported += decided - imported  # the officer's step is not part of the audit's time

    scores = score(truth, flagged)
    planted = {c["la_child_id"] for c in truth["children"]}
    background = [child for child in flagged if child not in planted]
    noisy = [child for child in background if flagged[child]]
    flags = sum(len(f) for f in flagged.values())
    print(
        f"authority: {args.children} children, seed {args.seed}, {args.formats} formats, as of {truth['as_of']}"
    )
    print(f"identity suggestions confirmed as a data officer would: {confirmed} (rejected {rejected})")
    print(f"children audited: {sum(SPLIT_GROUPS.values())} person groups, {len(flagged)} children ", end="")
    print(f"({len(planted)} planted, {len(background)} background)")
    per_child = 1000 / max(len(flagged), 1)
    print(f"generate + import: {imported - started:.1f} s; whole audit loop: {audited - imported:.1f} s")
    print(f"load_child_facts: {loading:.1f} s ({loading * per_child:.1f} ms per child); ", end="")
    print(f"find_flags: {finding:.2f} s ({finding * per_child:.2f} ms per child); {flags} flags")
    print()
    print(table(scores))
    print(f"background children with any flag: {len(noisy)} of {len(background)}")
    split = sorted(key for key, count in SPLIT_GROUPS.items() if count > 1 and key in planted)
    print(
        f"planted children still split over 2+ person groups after the officer's step: {len(split)} {split}"
    )
    for child, code, why in scores.must_not_violated:
        print(f"  negative control broken: {child} {code} ({why})")
    if args.show_misses:
        for code, s in scores.codes.items():
            for kind, children in (("FP", s.false_positive), ("FN", s.false_negative)):
                for child in sorted(children):
                    details = [f.detail for f in flagged.get(child, []) if f.pattern == code]
                    print(f"{kind} {code} {child}: {details or ''}")


if __name__ == "__main__":
    main()
