"""One child across agencies: a native-format authority imported whole, its person groups checked
against the generator's world (``bench/identity_quality.py`` does the measuring; this is its fast
version with assertions)."""

from __future__ import annotations

import importlib.util
import sys
from collections import defaultdict
from pathlib import Path

import pytest

from chronology.record import find_child, load_child

BENCH = Path(__file__).resolve().parent.parent / "bench" / "identity_quality.py"
CHILDREN, SEED = 50, 11


def _bench():
    spec = importlib.util.spec_from_file_location("identity_quality", BENCH)
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules.setdefault("identity_quality", module)
    spec.loader.exec_module(module)
    return module


iq = _bench()


@pytest.fixture
def measured(engine, tmp_path):
    return iq.run(engine, tmp_path / "authority", children=CHILDREN, seed=SEED)


def test_no_group_ever_mixes_two_people_and_the_truth_confirms_no_wrong_suggestion(measured):
    # every source row is one world person's, and the deterministic joins never mix two people
    assert not measured.before.row_conflicts
    assert measured.before.mixed == []
    s = measured.suggestions
    # every suggestion can be judged, and the wrong ones are between two different world people
    assert s.unknown == []
    assert len(s.correct) + len(s.wrong) == s.pending
    # a data officer confirming only what the truth confirms never mixes two people either
    assert measured.after.mixed == []
    # and name + date of birth found every split the identifiers left
    assert s.suggested_pairs == s.split_pairs


def test_every_child_known_to_social_care_is_one_person_with_every_identifier_and_event(measured, engine):
    truth, after = measured.truth, measured.after
    world = _world_events()
    checked = 0
    with engine.begin() as conn:
        for child in sorted(truth.social_care):
            assert len(after.pieces[child]) == 1, f"{child} is still split: {dict(after.pieces[child])}"
            (root,) = after.pieces[child]
            person_id = find_child(conn, truth.people[child].la_child_id)
            assert person_id == root
            record = load_child(conn, person_id)
            held = {(kind, value) for kind, values in record.identifiers.items() for value in values}
            missing = measured.given[child] - held - _nominal_ids(measured, root)
            assert not missing, f"{child} lacks {missing}"
            kinds = {kind for kind, _ in measured.given[child]}
            assert {"la_child_id", "nhs_number"} <= kinds
            agencies = {_agency(e.agency) for e in record.entries}
            assert world[child] <= agencies, f"{child}: no events from {world[child] - agencies}"
            checked += 1
    assert checked >= 5


def _nominal_ids(measured, root: int) -> set[tuple[str, str]]:
    """Police nominal IDs the group's members hold (``record.identifiers`` may list only child IDs)."""
    return {
        (kind, value)
        for sp in measured.people.values()
        if measured.after.roots[sp.id] == root
        for kind, _scope, value, valid in sp.identifiers
        if valid and kind == "police_nominal_id"
    }


def _world_events() -> dict[str, set[str]]:
    import datetime as dt

    from generator.timeline import Window
    from generator.world import iter_families

    out: dict[str, set[str]] = defaultdict(set)
    for family in iter_families(seed=SEED, children=CHILDREN, window=Window(iq.START, iq.END)):
        for record in family.children:
            out[record.child.person_id] |= {_agency(e.agency) for e in record.events if e.day <= dt.date.max}
    return out


def _agency(name: str) -> str:
    """ "Education: Oak Lane Primary School" and "Children's social care" as the world names them."""
    return name.split(":")[0].strip().lower()
