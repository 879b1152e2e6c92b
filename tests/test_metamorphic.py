"""Metamorphic: the same world written two ways gives the same chronology analysis.

One small authority is generated twice from the same seed: plainly, and with ``--vary`` (other
reference shapes and hand-copied spellings, label wordings, header aliases, date forms, encodings,
row order, the police file split in two: everything the import spec allows an independent export
to do). Each goes through the real importers into its own store. For every child, matched across
the stores by LA child ID, NHS number or UPN, the incident clusters, episodes, audit flags and
cumulative harm series must be the same.

Events are compared by what they say, never by database id or natural key (both differ between
the stores): agency, date, time and the summary's words, with reference numbers folded away (the
varied store writes them in another shape on purpose).
"""

from __future__ import annotations

import datetime as dt
import json
import re
import shutil
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

import pytest
from click.testing import CliRunner

from chronology.analysis.harm import harm_series
from chronology.analysis.links import build_links
from chronology.analysis.load import iter_child_ids, load_child_facts
from chronology.analysis.patterns import find_flags
from chronology.db.engine import make_engine
from chronology.record import load_child
from commands.main import cli
from tests.test_patterns_ground_truth import confirm_every_suggestion

CHILDREN, SEED = 30, 3
# One variation per force reference shape (generator/variation/references.py): 47/.../19, TVP-, OCC, CC,
# in the agencies' own formats; and every agency on the chronology template once.
RUNS = (("native", 1), ("native", 2), ("native", 3), ("native", 7), ("template", 7))
IDENTITY_KINDS = ("la_child_id", "nhs_number", "upn")
# Letters left of a reference once its digits go: the world's "OR" and the varied shapes' prefixes.
REFERENCE_PREFIXES = frozenset({"or", "occ", "tvp", "cc"})
_WORD = re.compile(r"[a-z]+")

EventKey = tuple[str, dt.date | None, str, dt.time | None, str]


def event_key(fact) -> EventKey:
    """An event as both stores hold it: agency, date (and its precision), time, summary words."""
    words = [w for w in _WORD.findall(fact.summary.lower()) if w not in REFERENCE_PREFIXES]
    return (fact.agency, fact.day, fact.precision, fact.time, " ".join(words))


@dataclass(frozen=True)
class ChildAnalysis:
    """What the analysis says about one child, in terms that do not depend on the store."""

    events: Counter
    clusters: frozenset[frozenset[EventKey]]
    episodes: frozenset[frozenset[EventKey]]
    flags: Counter
    harm: tuple


def _groups(assignment: dict[int, str], keys: dict[int, EventKey]) -> frozenset[frozenset[EventKey]]:
    members: dict[str, set[EventKey]] = {}
    for event_id, group in assignment.items():
        members.setdefault(group, set()).add(keys[event_id])
    return frozenset(frozenset(m) for m in members.values())


def analyse(url: str, as_of: dt.date) -> tuple[dict[tuple[str, str], ChildAnalysis], list[str]]:
    """Every child of the store by each of its stable identifiers; children with none are listed."""
    engine = make_engine(url)
    with engine.begin() as conn:
        confirm_every_suggestion(conn)
    found: dict[tuple[str, str], ChildAnalysis] = {}
    unidentified: list[str] = []
    with engine.connect() as conn:
        for person_id in iter_child_ids(conn):
            child = load_child_facts(conn, person_id, as_of=as_of, links=False)
            graph = build_links(child)  # built here, whether or not the import stored a graph
            child.links, child.clusters, child.episodes = graph.links, graph.clusters, graph.episodes
            keys = {fact.id: event_key(fact) for fact in child.facts}
            series = harm_series(child)
            result = ChildAnalysis(
                events=Counter(keys.values()),
                clusters=_groups(child.clusters, keys),
                episodes=_groups(child.episodes, keys),
                flags=Counter((f.pattern, f.evidence_from, f.evidence_to) for f in find_flags(child)),
                harm=tuple(
                    (
                        p.day,
                        round(p.index, 6),
                        round(p.harm, 6),
                        p.active_themes,
                        frozenset(keys[e] for e in p.events),
                    )
                    for p in series.points
                ),
            )
            identifiers = load_child(conn, person_id, with_events=False).identifiers
            ids = [(kind, value) for kind in IDENTITY_KINDS for value in identifiers.get(kind, ())]
            if not ids:
                unidentified.append(child.name or str(person_id))
            for ident in ids:
                found.setdefault(ident, result)
    engine.dispose()
    return found, unidentified


@pytest.fixture
def stores(migrated_database, tmp_path) -> tuple[str, str]:
    dialect, template = migrated_database
    if dialect != "sqlite":
        pytest.skip("two stores side by side: SQLite copies of the migrated database")
    urls = []
    for name in ("plain", "varied"):
        copy = tmp_path / f"{name}.sqlite3"
        shutil.copy(template, copy)
        urls.append(f"sqlite:///{copy}")
    return urls[0], urls[1]


def _generate_and_import(out: Path, url: str, tmp_path: Path, formats: str, *vary: str) -> None:
    runner = CliRunner()
    args = [
        "generate",
        "--out",
        str(out),
        "--children",
        str(CHILDREN),
        "--seed",
        str(SEED),
        "--formats",
        formats,
    ]
    generated = runner.invoke(cli, [*args, *vary], catch_exceptions=False)
    assert generated.exit_code == 0, generated.output
    env = {
        "CHRONOLOGY_DATABASE_URL": url,
        "CHRONOLOGY_INSTANCE_DIR": str(tmp_path / "instance"),
        "CHRONOLOGY_ACTOR": "test-officer",
    }
    imported = runner.invoke(cli, ["import", str(out)], env=env, catch_exceptions=False)
    assert imported.exit_code == 0, imported.output
    assert "FAILED" not in imported.output, imported.output


def differences(plain: dict, varied: dict) -> dict[str, list]:
    """What differs, by aspect, for every child identity the plain store has."""
    out: dict[str, list] = {
        "child": [],
        "events": [],
        "clusters": [],
        "episodes": [],
        "flags": [],
        "harm": [],
    }
    seen: set[int] = set()
    for ident, mine in sorted(plain.items()):
        if id(mine) in seen:
            continue
        seen.add(id(mine))
        theirs = varied.get(ident)
        if theirs is None:
            out["child"].append(ident)
            continue
        if mine.events != theirs.events:
            out["events"].append((ident, mine.events - theirs.events, theirs.events - mine.events))
        for aspect in ("clusters", "episodes"):
            a, b = getattr(mine, aspect), getattr(theirs, aspect)
            if a != b:
                out[aspect].append((ident, a - b, b - a))
        if mine.flags != theirs.flags:
            out["flags"].append((ident, mine.flags - theirs.flags, theirs.flags - mine.flags))
        if mine.harm != theirs.harm:
            out["harm"].append((ident, len(set(mine.harm) ^ set(theirs.harm))))
    return {aspect: found for aspect, found in out.items() if found}


def summary(found: dict[str, list]) -> str:
    """How many children differ in each aspect, for the failure message."""
    return "; ".join(f"{aspect}: {len(items)} children" for aspect, items in found.items())


@pytest.mark.parametrize(("formats", "vary_seed"), RUNS)
def test_varied_files_of_the_same_world_give_the_same_analysis(stores, tmp_path, formats, vary_seed):
    plain_url, varied_url = stores
    _generate_and_import(tmp_path / "plain", plain_url, tmp_path, formats)
    _generate_and_import(
        tmp_path / "varied", varied_url, tmp_path, formats, "--vary", "--vary-seed", str(vary_seed)
    )
    truth = json.loads((tmp_path / "plain" / "ground-truth.json").read_text())
    as_of = dt.date.fromisoformat(truth["as_of"])
    plain, plain_unidentified = analyse(plain_url, as_of)
    varied, varied_unidentified = analyse(varied_url, as_of)
    assert plain and len(plain_unidentified) == len(varied_unidentified)
    assert set(varied) <= set(plain), "children only the varied store has"
    found = differences(plain, varied)
    assert found == {}, summary(found)
