"""Benchmark: the audit patterns against the ground truth, precision and recall per pattern.

Generates a synthetic authority in every agency's native format, imports every file into a fresh
SQLite database through the real importers, reads each child back (``load_child_facts``, as of the
truth's ``as_of``), runs ``find_flags`` and scores the flags with ``generator.pattern_truth``:

- per pattern, over children: a true positive is a child the truth says shows the pattern and that
  is flagged; a false positive a flagged child the truth does not list for it (a background child,
  or a planted child whose reference reading does not fire it); a false negative a listed child
  not flagged. ``occ.`` counts the truth's occurrences matched by a flag whose evidence dates
  overlap them (one day of slack);
- the negative controls (``must_not``), and how many background children got any flag;
- the time to load and audit every child.

Run: ``python bench/pattern_quality.py --children 600 [--seed 7] [--show-misses]``.
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

from chronology.analysis.load import iter_child_ids, load_child_facts  # noqa: E402
from sqlalchemy import Engine  # noqa: E402

from chronology.analysis.facts import Flag  # noqa: E402
from chronology.analysis.patterns import find_flags  # noqa: E402
from chronology.db.engine import make_engine, upgrade  # noqa: E402
from exporters.audit_csv import panel_child_id  # noqa: E402
from generator.pattern_truth import score, table  # noqa: E402

ACTOR = "pattern-bench"


def import_directory(engine: Engine, directory: Path) -> None:
    from commands.importing import import_file, plan
    from importers.base import ImportOptions

    for item in plan([directory], None):
        if item.importer is not None:
            import_file(engine, item.path, item.importer, ImportOptions(), actor=ACTOR, show_progress=False)


def audit(engine: Engine, as_of: dt.date) -> dict[str, list[Flag]]:
    flagged: dict[str, list[Flag]] = {}
    with engine.connect() as conn:
        for person_id in list(iter_child_ids(conn)):
            child = load_child_facts(conn, person_id, as_of=as_of)
            flagged[panel_child_id(child)] = find_flags(child)
    return flagged


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--children", type=int, default=600)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--show-misses", action="store_true", help="list the children behind FP and FN")
    args = parser.parse_args()
    from generator.authority import generate_authority

    with tempfile.TemporaryDirectory(prefix="pattern-bench-") as tmp:
        out, url = Path(tmp) / "la", f"sqlite:///{Path(tmp) / 'bench.sqlite3'}"
        upgrade(url)
        engine = make_engine(url)
        started = time.perf_counter()
        generate_authority(out, children=args.children, seed=args.seed, formats="native")
        import_directory(engine, out)
        imported = time.perf_counter()
        truth = json.loads((out / "ground-truth.json").read_text())
        flagged = audit(engine, dt.date.fromisoformat(truth["as_of"]))
        audited = time.perf_counter()
        engine.dispose()

    scores = score(truth, flagged)
    planted = {c["la_child_id"] for c in truth["children"]}
    background = [child for child in flagged if child not in planted]
    noisy = [child for child in background if flagged[child]]
    flags = sum(len(f) for f in flagged.values())
    print(f"authority: {args.children} children requested, seed {args.seed}, as of {truth['as_of']}")
    print(f"children audited: {len(flagged)} ({len(planted)} planted, {len(background)} background)")
    print(f"generate + import: {imported - started:.1f} s; load + audit: {audited - imported:.1f} s ", end="")
    print(f"({(audited - imported) / max(len(flagged), 1) * 1000:.1f} ms per child), {flags} flags")
    print()
    print(table(scores))
    print(f"background children with any flag: {len(noisy)} of {len(background)}")
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
