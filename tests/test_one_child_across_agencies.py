"""One child across agencies: a native-format authority imported whole, its person groups checked
against the generator's world (``bench/identity_quality.py`` does the measuring; this is its fast
version with assertions).

Seed 16 with 40 children holds children known to children's social care only through case notes
(no CIN census record, so no date of birth or UPN from the census): some of their case notes give
the NHS number, which joins them at once; some never do, so only name + date of birth can.
"""

from __future__ import annotations

import csv
import importlib.util
import re
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from chronology.record import find_child, load_child

BENCH = Path(__file__).resolve().parent.parent / "bench" / "identity_quality.py"
CHILDREN, SEED = 40, 16
GIVEN_KINDS = {"la_child_id", "upn", "nhs_number", "police_nominal_id"}


def _bench():
    spec = importlib.util.spec_from_file_location("identity_quality", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("identity_quality", module)
    spec.loader.exec_module(module)
    return module


iq = _bench()


@pytest.fixture
def authority(tmp_path) -> Path:
    return tmp_path / "authority"


@pytest.fixture
def measured(engine, authority):
    return iq.run(engine, authority, children=CHILDREN, seed=SEED)


def test_every_child_known_to_any_agency_is_one_person_holding_every_identifier(measured, authority, engine):
    notes_only = _case_notes_only(authority)
    assert any(notes_only.values()), "a case-notes-only child whose notes give the NHS number"
    assert not all(notes_only.values()), "a case-notes-only child known by name and DOB only"
    # every source row is one world person's, and the deterministic joins never mix two people
    assert not measured.before.row_conflicts and measured.before.mixed == []
    s = measured.suggestions
    # every suggestion can be judged; name + date of birth found every split the identifiers left
    assert s.unknown == [] and len(s.correct) + len(s.wrong) == s.pending
    assert s.suggested_pairs == s.split_pairs
    # a data officer confirming only what the truth confirms never mixes two people either
    truth, after = measured.truth, measured.after
    assert after.mixed == []
    held = _held_by_group(measured)
    world = _world_events()
    kinds_seen: set[str] = set()
    with engine.connect() as conn:
        for child in truth.children:
            label = truth.people[child].la_child_id
            assert child in after.pieces, f"{label} is known to no imported file"
            assert len(after.pieces[child]) == 1, f"{label} is split: {dict(after.pieces[child])}"
            (root,) = after.pieces[child]
            # one person holding every valid identifier any agency gave ...
            given = measured.given[child]
            assert not given - held[root], f"{label} lacks {given - held[root]}"
            kinds_seen |= {kind for kind, _ in given}
            # ... found by each of them (police nominal IDs are not a way to look a child up)
            for kind, value in given:
                if kind != "police_nominal_id":
                    assert find_child(conn, value) == root, f"{label}: {kind} {value} finds another record"
            # and every agency that recorded something about the child is on their chronology
            agencies = {_agency(e.agency) for e in load_child(conn, root).entries}
            assert world[child] <= agencies, f"{label}: no events from {world[child] - agencies}"
    assert kinds_seen == GIVEN_KINDS


def test_parents_known_to_health_police_and_social_care_are_one_person(measured):
    for who, roles in (("mothers", iq.MOTHER_ROLES), ("fathers", iq.FATHER_ROLES)):
        before = iq.adults_across_agencies(measured, measured.before.roots, roles)
        after = iq.adults_across_agencies(measured, measured.after.roots, roles)
        assert before.keys() == after.keys()
        assert any(len(agencies) == 3 for agencies in after.values()), (
            f"the run must hold {who} known to health, police and social care"
        )
        for pid, agencies in after.items():
            groups = set().union(*agencies.values())
            assert len(groups) == 1, f"{pid} ({who}) is split over {dict(agencies)}"


def _case_notes_only(authority: Path) -> dict[str, bool]:
    """LA child ID -> whether any of their case notes gives an NHS number, for the children in
    ``case-notes.csv`` that no CIN census return holds."""
    census: set[str] = set()
    for path in authority.glob("cin-census-*.xml"):
        census |= set(re.findall(r"<LAchildID>([^<]+)</LAchildID>", path.read_text(encoding="utf-8")))
    with (authority / "case-notes.csv").open(encoding="utf-8", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found: dict[str, bool] = {}
    for row in rows:
        if row["child_id"] not in census:
            found[row["child_id"]] = found.get(row["child_id"], False) or bool(row["child_nhs_number"])
    return found


def _held_by_group(measured) -> dict[int, set[tuple[str, str]]]:
    """Group root -> every valid LA child ID, UPN, NHS number and police nominal ID its records hold."""
    held: dict[int, set[tuple[str, str]]] = defaultdict(set)
    for sp in measured.people.values():
        for kind, _scope, value, valid in sp.identifiers:
            if valid and kind in GIVEN_KINDS:
                held[measured.after.roots[sp.id]].add((kind, value))
    return held


def _world_events() -> dict[str, set[str]]:
    from generator.timeline import Window
    from generator.world import iter_families

    out: dict[str, set[str]] = defaultdict(set)
    for family in iter_families(seed=SEED, children=CHILDREN, window=Window(iq.START, iq.END)):
        for record in family.children:
            out[record.child.person_id] |= {_agency(e.agency) for e in record.events}
    return out


def _agency(name: str) -> str:
    """ "Education: Oak Lane Primary School" and "Children's social care" as the world names them."""
    return name.split(":")[0].strip().lower()
